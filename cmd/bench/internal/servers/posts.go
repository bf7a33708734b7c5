package servers

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/sshblog/sshblog/internal/app"
	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/posts"
)

// generatePosts makes n posts with Korean and English titles and bodies,
// the same ones on every run, dated a day apart from 2025-12-31 back.
func generatePosts(n int, loc *time.Location) ([]*post.Post, error) {
	// The first post is later than every built-in one, so with any
	// generated posts the newest post in the list is one of them.
	newest := time.Date(2025, time.December, 31, 0, 0, 0, 0, time.UTC)
	koTopics := []string{"서울의 봄", "달리기 기록", "파이썬 이야기", "고 언어 메모", "주말 산책", "회고", "독서 노트", "커피와 코드", "출근길 생각", "작은 실험"}
	enTopics := []string{"notes on Go", "a slow week", "terminal UIs", "bbolt in practice", "running again", "on writing", "small tools", "SSH for readers", "latency budgets", "a retrospective"}
	koLines := []string{
		"오늘은 아침 일찍 일어나서 성북천을 따라 천천히 걸었다.",
		"작은 도구를 매일 조금씩 고치는 일이 생각보다 즐겁다.",
		"터미널에서 읽는 블로그는 가볍고 빠르다는 점이 좋다.",
		"새로운 것을 배우려면 먼저 지금 아는 것을 정리해야 한다.",
		"점심시간에는 동료들과 성능 측정 방법에 대해 이야기했다.",
	}
	enLines := []string{
		"The list should appear before the reader has time to notice the connection.",
		"Every session costs memory, and idle sessions should cost nothing else.",
		"Measure first, then change one thing, then measure again.",
		"A post is rendered once per width and shared by every reader.",
		"Writes are rare, but each one is committed to disk before it is acknowledged.",
	}
	rng := rand.New(rand.NewPCG(1, 2)) // the same posts on every run
	out := make([]*post.Post, 0, n)
	for i := range n {
		ko, en := koTopics[i%len(koTopics)], enTopics[(i/len(koTopics))%len(enTopics)]
		var b strings.Builder
		fmt.Fprintf(&b, "---\ntitle: '%s %d: %s'\n", ko, i, en)
		fmt.Fprintf(&b, "pub_date: '%s'\n", newest.AddDate(0, 0, -i).Format("2006-01-02"))
		fmt.Fprintf(&b, "description: 'generated post %d for the benchmark'\n", i)
		b.WriteString("tags: ['bench', '메모']\n---\n\n")
		// The first paragraph starts with a word no title or description
		// has, so a client can tell the post's body from the list.
		fmt.Fprintf(&b, "본문은 %s %s\n\n", koLines[rng.IntN(len(koLines))], enLines[rng.IntN(len(enLines))])
		for s := range 3 {
			fmt.Fprintf(&b, "## %s %d\n\n", enTopics[rng.IntN(len(enTopics))], s+1)
			for range 3 {
				b.WriteString(koLines[rng.IntN(len(koLines))])
				b.WriteByte(' ')
				b.WriteString(enLines[rng.IntN(len(enLines))])
				b.WriteByte(' ')
			}
			b.WriteString("\n\n- 첫째: **bold** and `code`\n- second: [a link](https://example.com)\n\n")
		}
		b.WriteString("```go\nfunc main() {\n\tfmt.Println(\"안녕, world\")\n}\n```\n")
		p, err := post.Parse([]byte(b.String()), post.Options{Slug: fmt.Sprintf("bench-%04d", i), Location: loc})
		if err != nil {
			return nil, fmt.Errorf("generated post %d: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// bodyMarker picks the text whose appearance on screen shows that the post
// with source src has opened: the first word of its first paragraph that
// none of the listed entries shows in its title, description or tags, so
// it cannot come from the list screen.
func bodyMarker(src []byte, listed []store.Entry) (string, error) {
	p, err := post.Parse(src, post.Options{Location: time.UTC})
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(p.Body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || !unicode.IsLetter([]rune(line)[0]) {
			continue // blank, or a heading, list, quote, code, link or image
		}
		for _, w := range strings.Fields(line) {
			w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if len([]rune(w)) >= 2 && !listShows(listed, w) {
				return w, nil
			}
		}
		break // only the first paragraph is sure to be on the first screen
	}
	return "", fmt.Errorf("no word of the first paragraph is unique to the body")
}

// listShows reports whether w is in the text the list screen may show.
func listShows(entries []store.Entry, w string) bool {
	for _, e := range entries {
		if strings.Contains(e.Title, w) || strings.Contains(e.Description, w) || strings.Contains(strings.Join(e.Tags, " "), w) {
			return true
		}
	}
	return false
}

// OpenSeeded opens a new store as the store setting names it (StoreBolt:
// the bbolt file in cfg.Data; or etcd://HOST:PORT under cfg.StorePrefix)
// and fills it with the built-in posts, as a new blog is seeded, and then
// generated posts in bulk, as an import stores them (etcd's seed is one
// transaction, too small for them). It returns the store and every post
// it holds, the built-in ones first.
func OpenSeeded(setting string, cfg config.Config, generated int) (store.Store, []*post.Post, error) {
	builtin, err := posts.Load(cfg.Location)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the built-in posts: %w", err)
	}
	gen, err := generatePosts(generated, cfg.Location)
	if err != nil {
		return nil, nil, err
	}
	if setting == StoreBolt {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, nil, fmt.Errorf("making the store's folder: %w", err)
		}
	}
	db, err := app.OpenStore(storeSpec(setting, cfg), cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the store: %w", err)
	}
	if err := fill(db, builtin, gen); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("seeding the store: %w", err)
	}
	return db, append(builtin, gen...), nil
}

// storeSpec is the store setting as app.OpenStore names it: bolt:PATH for
// StoreBolt, the setting itself for etcd.
func storeSpec(setting string, cfg config.Config) string {
	if setting == StoreBolt {
		return "bolt:" + cfg.DatabasePath()
	}
	return setting
}

// fill seeds db with builtin, as the blog seeds itself, and stores gen
// after them in bulk (the bench's setup, not a write the blog checks).
func fill(db store.Store, builtin, gen []*post.Post) error {
	ctx := context.Background()
	if _, err := blog.New(db, blog.Config{}).Seed(ctx, builtin); err != nil {
		return err
	}
	changes := make([]store.Change, len(gen))
	for i, p := range gen {
		changes[i] = store.Change{Post: p, Author: blog.SeedAuthor}
	}
	outcomes, err := db.PutMany(ctx, changes)
	if err != nil {
		return err
	}
	for i, o := range outcomes {
		if o.Err != nil {
			return fmt.Errorf("storing generated post %s: %w", gen[i].Slug, o.Err)
		}
	}
	return nil
}
