package blog

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/sshblog/sshblog/internal/store"
	"golang.org/x/text/cases"
)

// Tag is a tag and how many posts id may see carry it.
type Tag struct {
	Name  string
	Posts int
}

// Tags returns the tags of the posts id may see (pages left out), most
// used first, then by name: see [CountTags].
func (b *Service) Tags(ctx context.Context, id Identity) ([]Tag, error) {
	es, err := b.List(ctx, id)
	if err != nil {
		return nil, err
	}
	return CountTags(es), nil
}

// Tagged returns the posts id may see that carry tag (see [HasTag]),
// newest first; pages are left out.
func (b *Service) Tagged(ctx context.Context, id Identity, tag string) ([]store.Entry, error) {
	es, err := b.List(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []store.Entry
	for _, e := range es {
		if !e.Page && HasTag(e, tag) {
			out = append(out, e)
		}
	}
	return out, nil
}

// CountTags counts the tags of es, pages left out, most used first, then by
// name. Tags that differ only in case are one tag, by Unicode case folding
// (so "ΣΊΣΥΦΟΣ" and "σίσυφος", which lower-case apart, are one), named as
// the first entry of es that carries it writes it (the newest, in a list's
// order). Front ends that hold a list of their own count its tags with it.
func CountTags(es []store.Entry) []Tag {
	fold := cases.Fold()
	index := map[string]int{}
	var out []Tag
	for _, e := range es {
		if e.Page {
			continue
		}
		for _, t := range e.Tags {
			k := fold.String(t)
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				out = append(out, Tag{Name: t})
			}
			out[i].Posts++
		}
	}
	slices.SortStableFunc(out, func(x, y Tag) int {
		if c := cmp.Compare(y.Posts, x.Posts); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out
}

// HasTag reports whether e carries tag, in any case (as [CountTags] folds
// it).
func HasTag(e store.Entry, tag string) bool {
	fold := cases.Fold()
	want := fold.String(tag)
	return slices.ContainsFunc(e.Tags, func(t string) bool { return fold.String(t) == want })
}
