// Package corpus generates a blog shaped like a real technical blog, for
// benchmarks: posts of about 20 KB of markdown, Korean prose with English
// terms, fenced code in Go, Java, TypeScript, YAML and shell, tables,
// quotes, links between posts, two or three images each, tags and series.
// The same seed makes the same blog, byte for byte.
//
// It lives outside cmd/bench so that the web's in-process benchmark
// (internal/web) serves the same blog as the bench's web phase.
package corpus

import (
	"archive/tar"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/archive"
)

// Post is one generated post.
type Post struct {
	Slug   string
	Source []byte // markdown with YAML front matter
}

// newest is the date of the first post; each next one is a day older.
var newest = time.Date(2025, time.December, 31, 9, 0, 0, 0, time.UTC)

// Generate makes n posts from seed, newest first.
func Generate(n int, seed uint64) []Post {
	g := &gen{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), n: n}
	out := make([]Post, n)
	for i := range n {
		out[i] = Post{Slug: Slug(i), Source: g.post(i)}
	}
	return out
}

// WriteTar writes posts to w as a tar of posts/SLUG.md files, as a blog's
// import reads them.
func WriteTar(w io.Writer, posts []Post) error {
	aw := archive.NewWriter(w)
	for _, p := range posts {
		if err := aw.WritePost(p.Slug, p.Source, newest); err != nil {
			return fmt.Errorf("writing %s: %w", p.Slug, err)
		}
	}
	return aw.Close()
}

// WriteProject writes posts to w as a tar of an Astro project, as a blog
// moving here brings it: its configuration file, src/content/blog/SLUG.md,
// and an SVG diagram in public/ for every image the posts show (about 12
// KB each, shaped like a drawing tool's export).
func WriteProject(w io.Writer, posts []Post) error {
	tw := tar.NewWriter(w)
	put := func(name string, data []byte) error {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: newest}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		if _, err := tw.Write(data); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		return nil
	}
	if err := put("blog/astro.config.mjs", []byte("export default {}\n")); err != nil {
		return err
	}
	for _, p := range posts {
		if err := put("blog/src/content/blog/"+p.Slug+".md", p.Source); err != nil {
			return err
		}
		for _, ref := range Images(p) {
			if err := put("blog/public"+ref, Diagram(ref)); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// imageRef finds the images a generated post shows.
var imageRef = regexp.MustCompile(`\(/assets/posts/[a-z0-9-]+\.svg\)`)

// Images returns the paths of the images post p shows.
func Images(p Post) []string {
	var out []string
	for _, m := range imageRef.FindAll(p.Source, -1) {
		out = append(out, string(m[1:len(m)-1]))
	}
	return out
}

// Diagram is the SVG drawn for the image at path: boxes, arrows and
// labels, as a drawing tool exports a system diagram, about 12 KB; the
// same path always gives the same bytes.
func Diagram(path string) []byte {
	var seed uint64
	for _, c := range path {
		seed = seed*31 + uint64(c)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="960" height="540" viewBox="0 0 960 540">` + "\n")
	b.WriteString(`<defs><marker id="a" markerWidth="10" markerHeight="7" refX="10" refY="3.5" orient="auto"><polygon points="0 0, 10 3.5, 0 7" fill="#333"/></marker></defs>` + "\n")
	b.WriteString(`<rect width="960" height="540" fill="#fafafa"/>` + "\n")
	colors := []string{"#4a90d9", "#e94e77", "#50b86c", "#f5a623", "#9013fe", "#7ed6df"}
	for range 40 {
		x, y := rng.IntN(840), rng.IntN(480)
		fmt.Fprintf(&b, `<g><rect x="%d" y="%d" width="110" height="44" rx="6" fill="%s" stroke="#222" stroke-width="1.5"/>`, x, y, colors[rng.IntN(len(colors))])
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-family="sans-serif" font-size="13" fill="#fff">%s %d</text></g>`+"\n", x+10, y+27, terms[rng.IntN(len(terms))], rng.IntN(100))
		fmt.Fprintf(&b, `<path d="M%d %d C %d %d, %d %d, %d %d" stroke="#333" stroke-width="2" fill="none" marker-end="url(#a)"/>`+"\n",
			x+110, y+22, x+160, y+22, rng.IntN(900), rng.IntN(500), rng.IntN(900), rng.IntN(500))
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// Slug is the slug of the i-th generated post.
func Slug(i int) string { return fmt.Sprintf("post-%04d", i) }

// gen holds a generation under way.
type gen struct {
	rng *rand.Rand
	n   int
	b   strings.Builder
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// post writes the i-th post.
func (g *gen) post(i int) []byte {
	g.b.Reset()
	b := &g.b
	topic := topics[i%len(topics)]
	fmt.Fprintf(b, "---\ntitle: '%s %s: %s (%d)'\n", topic.ko, g.pick(titleWords), topic.en, i)
	fmt.Fprintf(b, "date: %s\n", newest.AddDate(0, 0, -i).Format("2006-01-02"))
	fmt.Fprintf(b, "description: '%s에 관한 정리와 %s 경험'\n", topic.ko, topic.en)
	tags := []string{topic.tag, g.pick(allTags)}
	if g.rng.IntN(2) == 0 {
		tags = append(tags, g.pick(allTags))
	}
	fmt.Fprintf(b, "tags: [%s]\n", strings.Join(dedupe(tags), ", "))
	if i%5 < 2 { // two posts in five belong to a series of ten
		fmt.Fprintf(b, "series: '%s 시리즈 %d'\n", topic.ko, i/50)
	}
	b.WriteString("---\n\n")
	target := 14000 + g.rng.IntN(12000) // about 20 KB on average
	images := 2 + g.rng.IntN(2)
	for section := 0; b.Len() < target; section++ {
		fmt.Fprintf(b, "## %d. %s %s\n\n", section+1, g.pick(headings), g.pick(terms))
		for range 2 + g.rng.IntN(2) {
			g.paragraph(i)
		}
		switch g.rng.IntN(6) {
		case 0:
			g.table()
		case 1:
			g.quote()
		}
		if images > 0 && section%2 == 1 {
			images--
			fmt.Fprintf(b, "![%s 구조도](/assets/posts/post-%04d-%d.svg)\n\n", g.pick(terms), i, images)
		}
		if g.rng.IntN(10) < 7 {
			g.code()
		}
	}
	for ; images > 0; images-- {
		fmt.Fprintf(b, "![%s 그림](/assets/posts/post-%04d-%d.svg)\n\n", g.pick(terms), i, images)
	}
	return []byte(b.String())
}

// paragraph writes a paragraph of Korean prose with English terms, inline
// code, emphasis and now and then a link to another post.
func (g *gen) paragraph(i int) {
	b := &g.b
	for s := range 4 + g.rng.IntN(4) {
		if s > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(b, g.pick(sentences), g.pick(terms), g.pick(terms))
		switch g.rng.IntN(12) {
		case 0:
			fmt.Fprintf(b, " `%s`를 보자.", g.pick(idents))
		case 1:
			fmt.Fprintf(b, " **%s**가 핵심이다.", g.pick(terms))
		case 2:
			other := g.rng.IntN(g.n)
			fmt.Fprintf(b, " 자세한 내용은 [이전 글](/posts/%s)에 정리했다.", Slug(other))
		case 3:
			fmt.Fprintf(b, " 공식 문서([%s docs](https://example.com/docs/%s))도 참고했다.", g.pick(terms), g.pick(idents))
		}
	}
	b.WriteString("\n\n")
}

// table writes a small comparison table.
func (g *gen) table() {
	b := &g.b
	b.WriteString("| 항목 | before | after | 비고 |\n|---|---:|---:|---|\n")
	for range 3 + g.rng.IntN(4) {
		fmt.Fprintf(b, "| %s | %d ms | %d ms | %s |\n", g.pick(terms), 10+g.rng.IntN(900), 1+g.rng.IntN(90), g.pick(titleWords))
	}
	b.WriteString("\n")
}

// quote writes a block quote.
func (g *gen) quote() {
	fmt.Fprintf(&g.b, "> %s\n>\n> — %s\n\n", fmt.Sprintf(g.pick(sentences), g.pick(terms), g.pick(terms)), g.pick(titleWords))
}

// code writes a fenced code block in one of the languages, 10 to 40 lines.
func (g *gen) code() {
	b := &g.b
	lang := g.pick([]string{"go", "go", "java", "typescript", "yaml", "bash"})
	fmt.Fprintf(b, "```%s\n", lang)
	lines := 10 + g.rng.IntN(30)
	tpl := snippets[lang]
	for l := range lines {
		line := tpl[l%len(tpl)]
		line = strings.ReplaceAll(line, "NAME", g.pick(idents))
		line = strings.ReplaceAll(line, "NUM", fmt.Sprint(g.rng.IntN(1000)))
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteString("```\n\n")
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		dup := false
		for _, o := range out {
			dup = dup || o == s
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

var topics = []struct{ ko, en, tag string }{
	{"쿠버네티스", "Kubernetes", "kubernetes"}, {"고 언어", "Go", "go"}, {"스프링", "Spring Boot", "spring"},
	{"타입스크립트", "TypeScript", "typescript"}, {"데이터베이스", "PostgreSQL", "database"}, {"성능", "profiling", "performance"},
	{"테스트", "testing", "testing"}, {"배포", "CI/CD", "devops"}, {"리액트", "React", "frontend"},
	{"네트워크", "TCP", "network"}, {"카프카", "Kafka", "kafka"}, {"회고", "retrospective", "회고"},
}

var allTags = []string{"go", "java", "kubernetes", "spring", "typescript", "database", "performance", "testing", "devops",
	"frontend", "network", "kafka", "회고", "아키텍처", "보안", "linux", "aws", "observability", "redis", "grpc"}

var titleWords = []string{"정리", "삽질기", "입문", "실전", "회고", "메모", "튜닝", "도입기", "비교", "트러블슈팅"}

var headings = []string{"배경", "문제 상황", "원인 분석", "해결 방법", "측정 결과", "정리", "더 알아보기", "구현", "설정", "주의할 점"}

var terms = []string{"goroutine", "connection pool", "GC pause", "latency", "throughput", "Deployment", "Pod", "ConfigMap",
	"Ingress", "JVM", "heap", "index", "query plan", "transaction", "mutex", "channel", "context", "middleware",
	"retry", "timeout", "cache", "TLS", "DNS", "load balancer", "Promise", "async/await", "generic", "interface",
	"struct", "bean", "annotation", "YAML", "Helm chart", "sidecar", "p99", "benchmark", "flame graph", "pprof"}

var sentences = []string{
	"처음에는 %s 설정이 문제라고 생각했지만, 실제로는 %s 쪽에서 병목이 생기고 있었다.",
	"운영 환경에서 %s를 바꾸고 나서 %s 지표가 눈에 띄게 좋아졌다.",
	"팀에서는 %s와 %s를 함께 쓰는 방식으로 합의했다.",
	"이 부분은 문서만 읽어서는 잘 와닿지 않아서 직접 %s를 만들어 %s를 측정해 보았다.",
	"%s의 기본값은 대부분의 경우에 충분하지만, 트래픽이 몰리면 %s가 먼저 한계에 닿는다.",
	"결국 %s를 줄이는 것보다 %s를 예측 가능하게 만드는 편이 더 중요했다.",
	"로그를 보면 %s 직후에 %s 오류가 반복해서 나타났다.",
	"리뷰에서 %s 대신 %s를 쓰자는 의견이 나왔고, 벤치마크 결과도 그쪽이 나았다.",
}

var idents = []string{"handler", "userRepo", "maxRetries", "ctx", "client", "orderService", "cfg", "pool", "reqID", "cacheKey", "worker", "metrics"}

var snippets = map[string][]string{
	"go": {
		"func (s *Server) NAME(ctx context.Context, id int64) (*Order, error) {",
		"\tctx, cancel := context.WithTimeout(ctx, NUM*time.Millisecond)",
		"\tdefer cancel()",
		"\trow := s.db.QueryRowContext(ctx, `SELECT id, total FROM orders WHERE id = $1`, id)",
		"\tvar o Order",
		"\tif err := row.Scan(&o.ID, &o.Total); err != nil {",
		"\t\treturn nil, fmt.Errorf(\"reading order %d: %w\", id, err) // 주문을 읽지 못함",
		"\t}",
		"\tfor i := 0; i < NUM; i++ {",
		"\t\tgo s.worker(ctx, i)",
		"\t}",
		"\treturn &o, nil",
		"}",
	},
	"java": {
		"@Service",
		"public class NAMEService {",
		"    private final OrderRepository repository;",
		"    @Transactional(readOnly = true)",
		"    public Optional<Order> find(long id) {",
		"        // 캐시에 없으면 DB에서 읽는다",
		"        return cache.computeIfAbsent(id, key -> repository.findById(key).orElse(null));",
		"    }",
		"    private static final int LIMIT = NUM;",
		"}",
	},
	"typescript": {
		"export async function NAME(id: string): Promise<User | undefined> {",
		"  const res = await fetch(`/api/users/${id}`, { headers: { accept: 'application/json' } });",
		"  if (!res.ok) {",
		"    throw new Error(`요청 실패: ${res.status}`);",
		"  }",
		"  const body = (await res.json()) as { user?: User; retry: number };",
		"  return body.user ?? undefined; // NUM",
		"}",
	},
	"yaml": {
		"apiVersion: apps/v1",
		"kind: Deployment",
		"metadata:",
		"  name: NAME",
		"  labels: { app: NAME, tier: backend }",
		"spec:",
		"  replicas: 3",
		"  template:",
		"    spec:",
		"      containers:",
		"        - name: app",
		"          image: registry.example.com/NAME:1.NUM.0",
		"          resources: { limits: { memory: 512Mi, cpu: 500m } }",
	},
	"bash": {
		"#!/usr/bin/env bash",
		"set -euo pipefail",
		"kubectl -n prod get pods -l app=NAME -o wide | grep -v Running || true",
		"for i in $(seq 1 NUM); do curl -s -o /dev/null -w '%{http_code}\\n' http://localhost:8080/health; done",
		"export GOMAXPROCS=2  # 코어 수에 맞춘다",
		"go test -run '^$' -bench . -benchmem ./... | tee bench.txt",
	},
}
