package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/termtext"
)

// TestImportThousandsOfKoreanPosts imports an Astro content folder of 3,000
// Korean posts and reads them back at 60 columns.
func TestImportThousandsOfKoreanPosts(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 3,000 posts")
	}
	const n = 3000
	files := make([][2]string, 0, n+1)
	para := strings.Repeat("오늘은 터미널에서 읽는 블로그에 대해 생각했다. 한글 줄바꿈이 맞아야 한다. ", 20)
	for i := range n {
		files = append(files, [2]string{
			fmt.Sprintf("src/content/blog/%04d-글-%d.md", i, i),
			fmt.Sprintf("---\ntitle: '%d번째 글: 한국어 제목'\ndescription: '설명 %d'\npubDate: '2023-%02d-%02d'\nheroImage: '/img/%d.jpg'\ntags: ['회고', 'tag%d']\n---\n\n## 소제목 %d\n\n%s\n\n- 목록 하나\n- 목록 둘\n", i, i, i%12+1, i%28+1, i, i%7, i, para),
		})
	}
	files = append(files, [2]string{"public/favicon.svg", "<svg/>"})
	archive := makeTar(t, true, files)

	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	start := time.Now()
	out := ash.must(b, archive, "import")
	t.Logf("imported %d posts (%d KiB gzipped) in %v with the race-checked server", n, len(archive)>>10, time.Since(start).Round(time.Millisecond))
	if !strings.HasSuffix(out, fmt.Sprintf("imported %d, skipped 0\n", n)) {
		t.Fatalf("import summary: %q", out[max(0, len(out)-200):])
	}
	ls := reader.must(b, "", "ls")
	if got := strings.Count(ls, "\n"); got != n+1 {
		t.Errorf("ls has %d lines, want %d", got, n+1)
	}
	for _, slug := range []string{"0000-글-0", "1500-글-1500", "2999-글-2999"} {
		page := reader.must(b, "", "read", slug, "--width", "60")
		for i, line := range strings.Split(page, "\n") {
			if w := termtext.Width(line); w > 60 {
				t.Errorf("%s line %d is %d columns", slug, i+1, w)
			}
		}
		if !strings.Contains(page, "소제목") || strings.ContainsRune(page, '\uFFFD') {
			t.Errorf("read %s at 60 columns:\n%s", slug, page)
		}
	}
}
