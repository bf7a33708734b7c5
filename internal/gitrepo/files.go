package gitrepo

// The seam for the blog's files (images, attachments), which another
// piece of work adds to the blog: until then the repository's tree holds
// posts/ only, and a push that touches any other path is refused whole.
//
// TODO(files): when the blog has files,
//   - in repo.go, commit (where the root tree is made), add the files the
//     revision's instant holds as more entries of the root tree (for
//     instance files/PATH), their blobs in View.blobAt, and what each
//     commit changed in commit.changes under their paths, so that
//     WritePack (pack.go) sends them as it sends posts;
//   - in receive.go, postsOf calls otherPath for every root entry other
//     than posts/: walk the entry there and turn each file into a
//     blog.PushChange of a new kind (a file to store at its path), which
//     blog.Push validates and writes in the same transaction as the posts;
//   - blog.Timeline returns the files' revisions beside the posts'.

// otherPath says why a root entry other than posts/ is refused today.
func otherPath(e entry) string {
	name := e.name
	if e.mode == "40000" {
		name += "/"
	}
	return name + ": only posts (posts/SLUG.md) can be pushed; the blog keeps no other files yet"
}
