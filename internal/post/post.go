// Package post defines a blog post and reads it from markdown with front
// matter: parsing, validation, normalisation and slugs. It is pure: no I/O
// beyond the readers it is handed, so every function here can be fuzzed.
package post

import "time"

// MaxSize is the largest post, front matter included, in bytes.
const MaxSize = 1 << 20

// Meta is what a list of posts needs to know about one post: everything but
// the body. It is decoded from the front matter.
type Meta struct {
	Slug        string    // the post's name in URLs, commands and file names
	Title       string    // the title; after Parse, empty only if the slug is too (it falls back to the slug)
	Description string    // a one-line summary
	Author      string    // the author named in the front matter, if any
	Tags        []string  // tags in the order written, duplicates removed
	Date        time.Time // publication time; zero when the front matter has none
	Image       string    // featured image URL (featured_image, featuredImage, heroImage, image or cover)
	Category    string    // category, if any
	Series      string    // series, if any
	Aliases     []string  // other slugs this post answers to
	Draft       bool      // draft: true, status: draft or published: false
	Page        bool      // page: true: a standing page (about, now), not a dated post
	Lang        string    // the post's language (lang or language), such as ko; empty: the blog's
}

// Post is a parsed markdown document.
type Post struct {
	Meta
	// Source is the whole document as stored: front matter and body, valid
	// UTF-8 in NFC.
	Source []byte
	// Body is the markdown after the front matter; it shares Source's memory.
	Body []byte
}
