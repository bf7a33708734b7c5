package blog

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/sshblog/sshblog/internal/store"
)

// Tag is a tag and how many posts id may see carry it.
type Tag struct {
	Name  string
	Posts int
}

// Tags returns the tags of the posts id may see (pages left out), most
// used first, then by name. Tags that differ only in case are one tag,
// named as the newest post writes it.
func (b *Service) Tags(ctx context.Context, id Identity) ([]Tag, error) {
	es, err := b.List(ctx, id)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	var out []Tag
	for _, e := range es {
		if e.Page {
			continue
		}
		for _, t := range e.Tags {
			k := strings.ToLower(t)
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
	return out, nil
}

// Tagged returns the posts id may see that carry tag (in any case),
// newest first; pages are left out.
func (b *Service) Tagged(ctx context.Context, id Identity, tag string) ([]store.Entry, error) {
	es, err := b.List(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []store.Entry
	for _, e := range es {
		if !e.Page && slices.ContainsFunc(e.Tags, func(t string) bool { return strings.EqualFold(t, tag) }) {
			out = append(out, e)
		}
	}
	return out, nil
}
