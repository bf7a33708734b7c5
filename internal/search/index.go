package search

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"

	"github.com/sshblog/sshblog/internal/termtext"
)

// Doc is a post as the index takes it.
type Doc struct {
	Slug  string
	Rev   uint64 // the revision indexed: Sync reindexes a post whose revision changed
	Title string
	Tags  []string
	Body  string // markdown; its syntax is not indexed
}

// Field weights and BM25's parameters.
const (
	titleWeight = 3
	tagWeight   = 2
	bodyWeight  = 1
	k1          = 1.2
	b           = 0.75
)

// Index is a full-text index of posts. It is safe for concurrent use:
// searches run while posts are added and removed.
type Index struct {
	mu       sync.RWMutex
	docs     map[string]*doc
	postings map[string]map[string]float32 // term -> slug -> weighted term frequency
	totalLen float64                       // the weighted lengths of all docs, for the average
}

// doc is an indexed post.
type doc struct {
	slug, title string
	rev         uint64
	text        string // the body as plain, normalised text: where snippets come from
	length      float64
	terms       []string // every distinct term, to remove the post again
}

// New returns an empty index.
func New() *Index {
	return &Index{docs: map[string]*doc{}, postings: map[string]map[string]float32{}}
}

// Len returns how many posts are indexed.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.docs)
}

// Rev returns the revision of slug indexed, and whether it is indexed.
func (x *Index) Rev(slug string) (uint64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	d, ok := x.docs[slug]
	if !ok {
		return 0, false
	}
	return d.rev, true
}

// Slugs returns the slugs indexed.
func (x *Index) Slugs() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.docs))
	for s := range x.docs {
		out = append(out, s)
	}
	return out
}

// Put indexes d, replacing what was indexed under its slug.
func (x *Index) Put(d Doc) {
	text := normalize(plainText(d.Body))
	tf := map[string]float32{}
	var length float64
	add := func(s string, w float32) {
		for _, t := range tokenize(s, false) {
			tf[t.term] += w
			length += float64(w)
		}
	}
	add(normalize(d.Title), titleWeight)
	add(normalize(strings.Join(d.Tags, " ")), tagWeight)
	add(text, bodyWeight)
	nd := &doc{slug: d.Slug, title: d.Title, rev: d.Rev, text: text, length: length, terms: make([]string, 0, len(tf))}
	for t := range tf {
		nd.terms = append(nd.terms, t)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(d.Slug)
	for t, f := range tf {
		p := x.postings[t]
		if p == nil {
			p = map[string]float32{}
			x.postings[t] = p
		}
		p[d.Slug] = f
	}
	x.docs[d.Slug] = nd
	x.totalLen += length
}

// Delete removes slug from the index.
func (x *Index) Delete(slug string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(slug)
}

// remove drops slug's postings. x.mu must be held for writing.
func (x *Index) remove(slug string) {
	d, ok := x.docs[slug]
	if !ok {
		return
	}
	for _, t := range d.terms {
		p := x.postings[t]
		delete(p, slug)
		if len(p) == 0 {
			delete(x.postings, t)
		}
	}
	x.totalLen -= d.length
	delete(x.docs, slug)
}

// Options shape a search.
type Options struct {
	// Limit is the most hits returned; 0 means 20.
	Limit int
	// Visible, when set, says which posts the searcher may see: hits of
	// others are left out before ranking.
	Visible func(slug string) bool
	// SnippetWidth is the most columns of a snippet; 0 means 80.
	SnippetWidth int
}

// Hit is a post that matches a query.
type Hit struct {
	Slug  string
	Score float64
	// Snippet is a line of the body around the first match, sanitised and
	// at most Options.SnippetWidth columns wide; Marks are the byte ranges
	// of the matches in it, for highlighting.
	Snippet string
	Marks   [][2]int
	// Offset is where the first match is in the body's plain text, from 0
	// to 1, for a pager to scroll to.
	Offset float64
}

// Search returns the posts matching query, best first.
func (x *Index) Search(query string, o Options) []Hit {
	if o.Limit <= 0 {
		o.Limit = 20
	}
	if o.SnippetWidth <= 0 {
		o.SnippetWidth = 80
	}
	q := normalize(query)
	terms := uniqueTerms(tokenize(q, true))
	if len(terms) == 0 {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	// Start from the rarest term's postings: every hit must have them.
	slices.SortFunc(terms, func(a, b string) int { return len(x.postings[a]) - len(x.postings[b]) })
	n := float64(len(x.docs))
	avg := x.totalLen / max(n, 1)
	var hits []Hit
	for slug := range x.postings[terms[0]] {
		if o.Visible != nil && !o.Visible(slug) {
			continue
		}
		d := x.docs[slug]
		score := 0.0
		for _, t := range terms {
			f, ok := x.postings[t][slug]
			if !ok {
				score = -1
				break
			}
			df := float64(len(x.postings[t]))
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			tf := float64(f)
			score += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*d.length/avg))
		}
		if score > 0 {
			hits = append(hits, Hit{Slug: slug, Score: score})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Slug, b.Slug)
	})
	if len(hits) > o.Limit {
		hits = hits[:o.Limit]
	}
	qtoks := tokenize(q, true)
	for i := range hits {
		d := x.docs[hits[i].Slug]
		hits[i].Snippet, hits[i].Marks, hits[i].Offset = snippet(d.text, qtoks, o.SnippetWidth)
	}
	return hits
}

// uniqueTerms returns the distinct terms of toks.
func uniqueTerms(toks []token) []string {
	var out []string
	for _, t := range toks {
		if !slices.Contains(out, t.term) {
			out = append(out, t.term)
		}
	}
	return out
}

// snippet cuts the line of text around the first match of the query's
// terms to width columns, and marks the matches in it.
func snippet(text string, q []token, width int) (string, [][2]int, float64) {
	first := -1
	for _, t := range q {
		if i := strings.Index(text, t.term); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	if first < 0 {
		line, _, _ := strings.Cut(text, "\n")
		return termtext.Truncate(termtext.SanitizeLine(strings.TrimSpace(line)), width, "…"), nil, 0
	}
	offset := float64(first) / float64(max(len(text), 1))
	start := strings.LastIndexByte(text[:first], '\n') + 1
	end := strings.IndexByte(text[first:], '\n')
	if end < 0 {
		end = len(text)
	} else {
		end += first
	}
	line := text[start:end]
	at := first - start
	// Start a little before the match when the line is long.
	if ansi.StringWidth(line[:at]) > width/3 {
		cut := at
		for cut > 0 && ansi.StringWidth(line[cut:at]) < width/4 {
			cut--
			for cut > 0 && !utf8RuneStart(line[cut]) {
				cut--
			}
		}
		line = "…" + line[cut:]
	}
	line = termtext.Truncate(termtext.SanitizeLine(strings.TrimSpace(line)), width, "…")
	var marks [][2]int
	for _, t := range q {
		for i := 0; ; {
			j := strings.Index(line[i:], t.term)
			if j < 0 {
				break
			}
			marks = append(marks, [2]int{i + j, i + j + len(t.term)})
			i += j + len(t.term)
		}
	}
	slices.SortFunc(marks, func(a, b [2]int) int { return a[0] - b[0] })
	return line, mergeMarks(marks), offset
}

// utf8RuneStart reports whether c starts a UTF-8 sequence.
func utf8RuneStart(c byte) bool { return c&0xC0 != 0x80 }

// mergeMarks joins overlapping ranges (bigrams of one word overlap).
func mergeMarks(m [][2]int) [][2]int {
	var out [][2]int
	for _, r := range m {
		if n := len(out); n > 0 && r[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// Stats describe the index's size.
type Stats struct {
	Docs, Terms, Postings int
	// Bytes is an estimate of the memory the index holds: texts, terms
	// and postings with Go's map overheads.
	Bytes int
}

// Stats returns the index's size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{Docs: len(x.docs), Terms: len(x.postings)}
	for t, p := range x.postings {
		s.Postings += len(p)
		s.Bytes += len(t) + 48 + len(p)*40 // a map's buckets hold a key and value and some slack
	}
	for _, d := range x.docs {
		s.Bytes += len(d.text) + len(d.title) + len(d.slug) + 16*len(d.terms) + 96
	}
	return s
}
