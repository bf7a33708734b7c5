package blog

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/sshblog/sshblog/internal/archive"
	"github.com/sshblog/sshblog/internal/store"
)

// importFiles is what files an import stores: the files the project
// serves (its public/, static/ or assets/ folder) at their paths, and the
// files beside its posts that the posts name (a page bundle's pic.png),
// at the paths ResolveImage gives those references. An image a post names
// that is in neither, nor in the blog, is noted in res.Missing; a file
// refused (its bytes are not what its name says, it is too large) in
// res.Skipped. The whole is refused when it would take the blog past
// max-media.
func (b *Service) importFiles(ctx context.Context, id Identity, set *archive.Contents, res *ImportResult) ([]store.FileChange, error) {
	var files []NewFile
	from := map[string]string{} // blog path -> archive path
	add := func(p, src string, data []byte) {
		if _, ok := from[p]; !ok {
			from[p] = src
			files = append(files, NewFile{Path: p, Data: data})
		}
	}
	for _, a := range set.Files {
		if p, err := FilePath(a.Path); err == nil {
			add(p, a.From, a.Data)
		} else {
			res.Skipped = append(res.Skipped, a.From+": "+err.Error())
		}
	}
	for _, f := range set.Posts {
		p, err := b.parse(f.Source, f.Slug)
		if err != nil {
			continue // skipped with its reason by the posts' plan
		}
		for _, img := range imagesOf(p) {
			fp, ok := ResolveImage(p.Slug, img.Ref)
			if !ok {
				continue // remote: never fetched, it stays a link
			}
			if _, ok := from[fp]; ok {
				continue
			}
			if !strings.HasPrefix(img.Ref, "/") {
				ref, _, _ := strings.Cut(img.Ref, "?")
				ref, _, _ = strings.Cut(ref, "#")
				if data, ok := set.Beside[path.Join(path.Dir(f.Path), ref)]; ok {
					add(fp, path.Join(path.Dir(f.Path), ref), data)
					continue
				}
			}
			if _, ok := b.File(fp); !ok {
				res.Missing = append(res.Missing, fmt.Sprintf("%s: image %s not in the archive", f.Path, img.Ref))
			}
		}
	}
	return b.fileChanges(ctx, id, files, func(f NewFile, err error) {
		res.Skipped = append(res.Skipped, from[f.Path]+": "+err.Error())
	})
}
