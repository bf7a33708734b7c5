package search

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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
//
// Posts are numbered as they are added, and a term's postings are two
// parallel slices of post numbers and weighted term frequencies: 8 bytes a
// posting, where a map from slug to frequency per term cost about 40 and
// made building the index of a real blog (3,000 posts of 20 KB, each with
// thousands of distinct Hangul pairs) a matter of seconds.
type Index struct {
	mu        sync.RWMutex
	ids       map[string]int32 // slug -> post number
	docs      []*doc           // by post number; nil for a free number
	free      []int32          // post numbers to use again
	postings  map[string]int32 // term -> term number
	terms     []*postings      // by term number; nil for a free number
	freeTerms []int32          // term numbers to use again
	totalLen  float64          // the weighted lengths of all docs, for the average
}

// postings are the posts a term is in, and its weighted frequency in each.
type postings struct {
	term string
	ids  []int32
	tfs  []float32
}

// of returns the weighted frequency of the term in post id, or false.
func (p *postings) of(id int32) (float32, bool) {
	if i := slices.Index(p.ids, id); i >= 0 {
		return p.tfs[i], true
	}
	return 0, false
}

// doc is an indexed post.
type doc struct {
	slug, title string
	rev         uint64
	text        string // the body as plain, normalised text: where snippets come from
	length      float64
	terms       []int32 // every distinct term's number, to remove the post again
}

// analysed is a post ready to be added: its terms and their weighted
// frequencies, in the order first seen.
type analysed struct {
	d     Doc
	text  string
	terms []string
	tfs   []float32
	len   float64
}

// New returns an empty index.
func New() *Index {
	return &Index{ids: map[string]int32{}, postings: map[string]int32{}}
}

// Len returns the number of indexed posts.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.ids)
}

// Rev returns the revision of slug that is indexed, if it is.
func (x *Index) Rev(slug string) (uint64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	id, ok := x.ids[slug]
	if !ok {
		return 0, false
	}
	return x.docs[id].rev, true
}

// Slugs returns the indexed posts' slugs, in no order.
func (x *Index) Slugs() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.ids))
	for s := range x.ids {
		out = append(out, s)
	}
	return out
}

// Put indexes d, replacing what was indexed for its slug.
func (x *Index) Put(d Doc) {
	x.PutMany([]Doc{d})
}

// PutMany indexes docs, replacing what was indexed for their slugs. The
// posts are analysed on every CPU at once, then added under one lock.
func (x *Index) PutMany(docs []Doc) {
	if len(docs) == 0 {
		return
	}
	as := make([]analysed, len(docs))
	ready := make([]chan struct{}, len(docs))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	workers := min(runtime.GOMAXPROCS(0), len(docs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			seen := map[string]int{} // reused: a term's place in a post's terms
			for {
				i := int(next.Add(1)) - 1
				if i >= len(docs) {
					return
				}
				as[i] = analyse(docs[i], seen)
				clear(seen)
				close(ready[i])
			}
		})
	}
	// The posts are added in order as they are analysed, while the rest
	// are: the adding, which one goroutine must do, overlaps the analysing.
	for i := range as {
		<-ready[i]
		x.mu.Lock() // post by post: searches go on meanwhile
		x.add(&as[i])
		x.mu.Unlock()
		as[i] = analysed{} // its text and terms are the index's now
	}
	wg.Wait()
}

// analyse splits d into terms and weighs them; seen is an empty map to use.
func analyse(d Doc, seen map[string]int) analysed {
	a := analysed{d: d, text: normalize(plainText(d.Body))}
	add := func(s string, w float32) {
		eachToken(s, false, func(t token) {
			if i, ok := seen[t.term]; ok {
				a.tfs[i] += w
			} else {
				seen[t.term] = len(a.terms)
				a.terms = append(a.terms, t.term)
				a.tfs = append(a.tfs, w)
			}
			a.len += float64(w)
		})
	}
	add(normalize(d.Title), titleWeight)
	add(normalize(strings.Join(d.Tags, " ")), tagWeight)
	add(a.text, bodyWeight)
	return a
}

// add adds an analysed post. x.mu must be held for writing.
func (x *Index) add(a *analysed) {
	x.remove(a.d.Slug)
	var id int32
	if n := len(x.free); n > 0 {
		id, x.free = x.free[n-1], x.free[:n-1]
	} else {
		id = int32(len(x.docs))
		x.docs = append(x.docs, nil)
	}
	nd := &doc{slug: a.d.Slug, title: a.d.Title, rev: a.d.Rev, text: a.text, length: a.len, terms: make([]int32, len(a.terms))}
	for i, t := range a.terms {
		tn, ok := x.postings[t]
		if !ok {
			tn = x.newTerm(t)
		}
		p := x.terms[tn]
		nd.terms[i] = tn
		p.ids = append(p.ids, id)
		p.tfs = append(p.tfs, a.tfs[i])
	}
	x.docs[id] = nd
	x.ids[a.d.Slug] = id
	x.totalLen += a.len
}

// newTerm numbers the new term t. The index keeps a copy: the term is a
// piece of the post's text, which it must not keep alive once the post
// goes.
func (x *Index) newTerm(t string) int32 {
	p := &postings{term: strings.Clone(t)}
	var tn int32
	if n := len(x.freeTerms); n > 0 {
		tn, x.freeTerms = x.freeTerms[n-1], x.freeTerms[:n-1]
		x.terms[tn] = p
	} else {
		tn = int32(len(x.terms))
		x.terms = append(x.terms, p)
	}
	x.postings[p.term] = tn
	return tn
}

// Delete removes slug from the index.
func (x *Index) Delete(slug string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(slug)
}

// remove drops slug's postings. x.mu must be held for writing.
func (x *Index) remove(slug string) {
	id, ok := x.ids[slug]
	if !ok {
		return
	}
	d := x.docs[id]
	for _, tn := range d.terms {
		p := x.terms[tn]
		if i := slices.Index(p.ids, id); i >= 0 {
			last := len(p.ids) - 1
			p.ids[i], p.tfs[i] = p.ids[last], p.tfs[last]
			p.ids, p.tfs = p.ids[:last], p.tfs[:last]
		}
		if len(p.ids) == 0 {
			delete(x.postings, p.term)
			x.terms[tn] = nil
			x.freeTerms = append(x.freeTerms, tn)
		}
	}
	x.totalLen -= d.length
	x.docs[id] = nil
	x.free = append(x.free, id)
	delete(x.ids, slug)
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
	lists := make([]*postings, len(terms))
	for i, t := range terms {
		tn, ok := x.postings[t]
		if !ok {
			return nil
		}
		lists[i] = x.terms[tn]
	}
	slices.SortFunc(lists, func(a, b *postings) int { return len(a.ids) - len(b.ids) })
	n := float64(len(x.ids))
	avg := x.totalLen / max(n, 1)
	idfs := make([]float64, len(lists))
	for i, p := range lists {
		df := float64(len(p.ids))
		idfs[i] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	var hits []Hit
	for j, id := range lists[0].ids {
		d := x.docs[id]
		if o.Visible != nil && !o.Visible(d.slug) {
			continue
		}
		score := 0.0
		for i, p := range lists {
			f := lists[0].tfs[j]
			if i > 0 {
				var ok bool
				if f, ok = p.of(id); !ok {
					score = -1
					break
				}
			}
			tf := float64(f)
			score += idfs[i] * tf * (k1 + 1) / (tf + k1*(1-b+b*d.length/avg))
		}
		if score > 0 {
			hits = append(hits, Hit{Slug: d.slug, Score: score})
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
		d := x.docs[x.ids[hits[i].Slug]]
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
	s := Stats{Docs: len(x.ids), Terms: len(x.postings)}
	for _, p := range x.terms {
		if p != nil {
			s.Postings += len(p.ids)
			s.Bytes += 2*len(p.term) + 96 + cap(p.ids)*4 + cap(p.tfs)*4 // the map's entry, the postings and their slices
		}
	}
	for _, d := range x.docs {
		if d != nil {
			s.Bytes += len(d.text) + len(d.title) + len(d.slug) + 4*cap(d.terms) + 96
		}
	}
	return s
}
