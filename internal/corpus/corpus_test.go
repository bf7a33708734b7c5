package corpus

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

// TestGenerate checks the blog's shape: the same posts from the same seed,
// about 20 KB each on average, each a valid post with code, images and
// tags, some in series.
func TestGenerate(t *testing.T) {
	const n = 300
	a, b := Generate(n, 7), Generate(n, 7)
	var total, series int
	langs := map[string]bool{}
	for i := range a {
		if a[i].Slug != b[i].Slug || !bytes.Equal(a[i].Source, b[i].Source) {
			t.Fatalf("post %d differs between two runs with one seed", i)
		}
		total += len(a[i].Source)
		p, err := post.Parse(a[i].Source, post.Options{Slug: a[i].Slug, Location: time.UTC})
		if err != nil {
			t.Fatalf("%s: %v", a[i].Slug, err)
		}
		if len(p.Tags) == 0 {
			t.Errorf("%s has no tags", a[i].Slug)
		}
		if p.Series != "" {
			series++
		}
		src := string(a[i].Source)
		if c := strings.Count(src, "](/assets/posts/"); c < 2 || c > 3 {
			t.Errorf("%s has %d images", a[i].Slug, c)
		}
		for _, l := range []string{"go", "java", "typescript", "yaml", "bash"} {
			if strings.Contains(src, "```"+l+"\n") {
				langs[l] = true
			}
		}
	}
	if avg := total / n; avg < 17000 || avg > 23000 {
		t.Errorf("posts average %d bytes, want about 20 KB", avg)
	}
	if len(langs) != 5 || series == 0 {
		t.Errorf("languages %v, %d posts in series", langs, series)
	}
	if bytes.Equal(Generate(1, 8)[0].Source, a[0].Source) {
		t.Error("another seed made the same post")
	}
}

// TestProjectImages: every image a generated post shows is in its project,
// as an SVG of real size.
func TestProjectImages(t *testing.T) {
	ps := Generate(20, 1)
	n := 0
	for _, p := range ps {
		for _, ref := range Images(p) {
			d := Diagram(ref)
			if len(d) < 8<<10 || len(d) > 20<<10 || !bytes.HasPrefix(d, []byte("<?xml")) {
				t.Errorf("%s: %d bytes", ref, len(d))
			}
			n++
		}
	}
	if n < 40 {
		t.Errorf("%d images in 20 posts", n)
	}
	var tarball bytes.Buffer
	if err := WriteProject(&tarball, ps); err != nil {
		t.Fatal(err)
	}
}
