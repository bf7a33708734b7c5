package search

import (
	"fmt"
	blogcorpus "github.com/sshblog/sshblog/internal/corpus"
	"github.com/sshblog/sshblog/internal/post"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// words are what generated posts are made of: Korean with particles, and
// English.
var words = strings.Fields("달리기를 달리기는 서울에서 부산까지 회사에서 파이썬을 개발자 채용 블로그를 개편했다 " +
	"테크블로그 커뮤니티 오픈소스 시작했다 생각이 들었다 회고 벚꽃이 만개하는 계절 아침에 운동을 " +
	"Go SSH terminal server blog notes rendering glamour bubbletea korean search index")

// corpus makes n posts of about 5 KB each, the same on every run.
func corpus(n int) []Doc {
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([]Doc, n)
	for i := range docs {
		var b strings.Builder
		for b.Len() < 5000 {
			b.WriteString(words[r.IntN(len(words))])
			if r.IntN(12) == 0 {
				b.WriteString(".\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		docs[i] = Doc{Slug: fmt.Sprintf("post-%04d", i), Rev: 1, Title: words[r.IntN(len(words))] + " " + words[r.IntN(len(words))],
			Tags: []string{"회고", words[r.IntN(len(words))]}, Body: b.String()}
	}
	return docs
}

// syllables are the Hangul of generated real-shaped posts: a few hundred
// common syllables, so that their pairs are as many as a real blog's.
var syllables = []rune("가각간갈감강개거건걸검것게겠겨결경계고곳공과관광교구국군권귀그근글금기긴길김까께꼭나난날남내너넘네년노놀누는늘니다단달담당대더던데도독돌동되된될두둘드든들등디따때또뜻라란람랑래러럼레려력련렬령로록론료루류률르른를름리린릴림마만많말맞매머먼멀메며면명모목몰못무문물미민밀바반받발밤방배버번벌범법변별병보복본봉부북분불비빌빛사산살삼상새생서석선설성세소속손수순술숨쉬스슬습시식신실심십싸쓰씨아안않알앞애야약양어억언얼엄업없었에여역연열염영예오온올옵와완왔왜외요용우운울움웃원월위유육은을음의이익인일임입있잊자작잔잘잠장재저적전절점정제조족존종좋주죽준줄중즈즉지직진질집짓째차참창찾채처천철청체초총최추출충취치친칠침카커코크키타탄태터토통투트특파판패편평포표품프피필하학한할함합항해했행향허험현형호혹화확환활회효후훈휴흐흑흔희히")

// realPost makes a post shaped like one of a real technical blog: about
// 20 KB of Korean prose with English terms, three fenced code blocks, a
// table, links and images.
func realPost(r *rand.Rand, vocab []string, zipf *rand.Zipf, i int) Doc {
	word := func() string {
		w := vocab[zipf.Uint64()]
		if r.IntN(3) == 0 {
			w += []string{"를", "는", "가", "에서", "으로", "의"}[r.IntN(6)]
		}
		return w
	}
	english := strings.Fields("interface goroutine channel context Kubernetes deployment TypeScript React 컴포넌트 API gRPC Redis cache latency throughput")
	var b strings.Builder
	for b.Len() < 20000 {
		switch r.IntN(10) {
		case 0:
			b.WriteString("```go\nfunc handle" + fmt.Sprint(r.IntN(1000)) + "(ctx context.Context, req *Request) (*Response, error) {\n")
			for range 20 {
				b.WriteString("\tif err := svc.Validate(ctx, req.Field" + fmt.Sprint(r.IntN(50)) + "); err != nil {\n\t\treturn nil, fmt.Errorf(\"validate: %w\", err)\n\t}\n")
			}
			b.WriteString("}\n```\n\n")
		case 1:
			b.WriteString("| 항목 | 값 | 설명 |\n|---|---|---|\n")
			for range 5 {
				b.WriteString("| " + word() + " | " + fmt.Sprint(r.IntN(100)) + " | " + word() + " " + word() + " |\n")
			}
			b.WriteString("\n![" + word() + "](/assets/posts/diagram-" + fmt.Sprint(r.IntN(6000)) + ".svg)\n\n")
		default:
			for range 40 {
				if r.IntN(5) == 0 {
					b.WriteString(english[r.IntN(len(english))])
				} else {
					b.WriteString(word())
				}
				b.WriteByte(' ')
			}
			b.WriteString("[" + word() + "](/posts/post-" + fmt.Sprint(r.IntN(3000)) + ").\n\n")
		}
	}
	return Doc{Slug: fmt.Sprintf("post-%04d", i), Rev: 1, Title: word() + " " + word() + " " + english[r.IntN(len(english))],
		Tags: []string{"회고", english[r.IntN(len(english))]}, Body: b.String()}
}

// realCorpus makes n real-shaped posts, the same on every run: their
// words come from a vocabulary of 20,000, the most used far more often than
// the rest (Zipf's law), as in any language.
func realCorpus(n int) []Doc {
	r := rand.New(rand.NewPCG(3, 4))
	vocab := make([]string, 20000)
	for i := range vocab {
		var w strings.Builder
		for range 2 + r.IntN(3) {
			w.WriteRune(syllables[r.IntN(len(syllables))])
		}
		vocab[i] = w.String()
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	docs := make([]Doc, n)
	for i := range docs {
		docs[i] = realPost(r, vocab, zipf, i)
	}
	return docs
}

// BenchmarkBuildReal indexes 3,000 real-shaped posts of about 20 KB.
func BenchmarkBuildReal(b *testing.B) {
	benchmarkBuild(b, realCorpus(3000))
}

// BenchmarkBuild indexes 3,000 posts of 5 KB and reports the index's memory.
func BenchmarkBuild(b *testing.B) {
	benchmarkBuild(b, corpus(3000))
}

// benchmarkBuild indexes docs, as a server does at its start (PutMany),
// and reports the index's memory.
func benchmarkBuild(b *testing.B, docs []Doc) {
	b.ResetTimer()
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := New()
		x.PutMany(docs)
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-live")
		b.ReportMetric(float64(x.Stats().Bytes)/(1<<20), "MiB-estimated")
		runtime.KeepAlive(x)
		b.StartTimer()
	}
}

// BenchmarkSearch runs queries over 3,000 posts.
func BenchmarkSearch(b *testing.B) {
	x := New()
	for _, d := range corpus(3000) {
		x.Put(d)
	}
	for _, q := range []string{"달리기", "서울 회사", "search index", "블로그를 개편했다", "없는말"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				x.Search(q, Options{Limit: 20})
			}
		})
	}
}

// BenchmarkPut reindexes one post of an index of 3,000.
func BenchmarkPut(b *testing.B) {
	docs := corpus(3000)
	x := New()
	for _, d := range docs {
		x.Put(d)
	}
	b.ResetTimer()
	for i := range b.N {
		d := docs[i%len(docs)]
		d.Rev++
		x.Put(d)
	}
}

// BenchmarkBuildCorpus indexes the benchmarks' real-shaped blog
// (internal/corpus: 3,000 posts of about 20 KB, Korean prose with code,
// tables and links), as a server does at its start.
func BenchmarkBuildCorpus(b *testing.B) {
	var docs []Doc
	for _, p := range blogcorpus.Generate(3000, 1) {
		pp, err := post.Parse(p.Source, post.Options{Slug: p.Slug})
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, Doc{Slug: pp.Slug, Rev: 1, Title: pp.Title, Tags: pp.Tags, Body: string(pp.Body)})
	}
	benchmarkBuild(b, docs)
}
