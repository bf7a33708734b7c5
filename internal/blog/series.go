package blog

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
)

// Series returns the posts of the series called name that id may see,
// oldest first (by date, then slug): the order a reader follows them in.
// Names match without regard to case.
func (b *Service) Series(ctx context.Context, id Identity, name string) ([]store.Entry, error) {
	if name == "" {
		return nil, nil
	}
	es, err := b.List(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []store.Entry
	for _, e := range es {
		if strings.EqualFold(e.Series, name) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(x, y store.Entry) int {
		if c := x.Date.Compare(y.Date); c != 0 {
			return c
		}
		return strings.Compare(x.Slug, y.Slug)
	})
	return out, nil
}

// SeedAuthor is the author recorded on the built-in posts the blog is
// seeded with; headers name no author for them.
const SeedAuthor = "sshblog"

// Seed fills an empty blog with ps, the built-in posts, as SeedAuthor's
// first revisions, and returns how many it stored. A blog that has ever
// held a post is left as it is: removing the built-in posts is for good.
func (b *Service) Seed(ctx context.Context, ps []*post.Post) (int, error) {
	n, err := b.st.Seed(ctx, ps, SeedAuthor)
	if err != nil {
		return 0, fmt.Errorf("seeding the blog with the built-in posts: %w", err)
	}
	return n, nil
}

// Byline returns the header of the post p at revision r, as id sees it.
func (b *Service) Byline(ctx context.Context, id Identity, p *post.Post, r store.Revision) (render.Byline, error) {
	bl := render.Byline{
		Title: p.Title, Date: p.Date, Author: p.Author, Tags: p.Tags, Image: p.Image,
	}
	if bl.Author == "" && r.Author != SeedAuthor && r.Author != "system" {
		bl.Author = r.Author
	}
	if p.Series == "" {
		return bl, nil
	}
	posts, err := b.Series(ctx, id, p.Series)
	if err != nil {
		return bl, err
	}
	i := slices.IndexFunc(posts, func(e store.Entry) bool { return e.Slug == r.Slug })
	if i < 0 { // an author reading a post the list does not show
		return bl, nil
	}
	bl.Series, bl.SeriesIndex, bl.SeriesLen = p.Series, i+1, len(posts)
	if i > 0 {
		bl.Prev = posts[i-1].Slug
	}
	if i+1 < len(posts) {
		bl.Next = posts[i+1].Slug
	}
	return bl, nil
}
