package search

import (
	"fmt"
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

// BenchmarkBuild indexes 3,000 posts and reports the index's memory.
func BenchmarkBuild(b *testing.B) {
	docs := corpus(3000)
	b.ResetTimer()
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := New()
		for _, d := range docs {
			x.Put(d)
		}
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
