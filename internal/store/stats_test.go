package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
)

func TestCheckCount(t *testing.T) {
	day := stats.DayOf(time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC), time.UTC)
	ok := stats.Count{Day: day, Slug: "march-2024-retrospective", Source: stats.SSH, Reads: 1}
	longest := ok
	longest.Slug = strings.Repeat("가", post.MaxSlugSize/3) // 3 bytes a syllable
	for name, c := range map[string]stats.Count{"a post's": ok, "the longest slug's": longest} {
		if err := store.CheckCount(c); err != nil {
			t.Errorf("%s count refused: %v", name, err)
		}
	}

	bad := map[string]func(*stats.Count){
		"no slug":         func(c *stats.Count) { c.Slug = "" },
		"a slug too long": func(c *stats.Count) { c.Slug = strings.Repeat("a", post.MaxSlugSize+1) },
		"unknown source":  func(c *stats.Count) { c.Source = stats.Source(200) },
		"year 0":          func(c *stats.Count) { c.Day = stats.DayOf(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC) },
	}
	for name, change := range bad {
		c := ok
		change(&c)
		if err := store.CheckCount(c); err == nil {
			t.Errorf("%s: a count was accepted: %+v", name, c)
		}
	}
}
