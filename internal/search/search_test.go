package search

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/unicode/norm"
)

// slugs returns the slugs of hits, in order.
func slugs(hits []Hit) string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Slug)
	}
	return strings.Join(out, " ")
}

func TestKorean(t *testing.T) {
	x := New()
	x.Put(Doc{Slug: "run", Title: "운동", Body: "아침마다 달리기를 했다. 달리기는 좋다."})
	x.Put(Doc{Slug: "seoul", Title: "여행", Body: "서울에서 부산까지 기차를 탔다."})
	x.Put(Doc{Slug: "mixed", Title: "Go로 SSH 블로그", Body: "SSH를 통해 읽는 블로그를 Go로 만들었다."})
	x.Put(Doc{Slug: "wide", Title: "전각", Body: "ＡＢＣ 회사의 ＳＳＨ 서버"})
	for _, c := range []struct{ query, want string }{
		{"달리기", "run"},        // particles stuck to the noun: 달리기를, 달리기는
		{"서울", "seoul"},       // 서울에서
		{"탔", "seoul"},        // one syllable
		{"ssh", "mixed wide"}, // SSH를 splits at the script change; ＳＳＨ folds
		{"SSH 블로그", "mixed"},
		{"abc", "wide"},
		{"go", "mixed"},
		{"달리기 서울", ""}, // every term must match
		{"없는말", ""},
		{"", ""},
	} {
		if got := slugs(x.Search(c.query, Options{})); got != c.want {
			t.Errorf("%q found %q, want %q", c.query, got, c.want)
		}
	}
	// NFD text finds and is found by NFC.
	nfd := norm.NFD.String("한글 분해")
	x.Put(Doc{Slug: "nfd", Body: nfd})
	if got := slugs(x.Search("분해", Options{})); got != "nfd" {
		t.Errorf("NFC query, NFD text: %q", got)
	}
	if got := slugs(x.Search(norm.NFD.String("서울"), Options{})); got != "seoul" {
		t.Errorf("NFD query: %q", got)
	}
}

func TestRanking(t *testing.T) {
	x := New()
	x.Put(Doc{Slug: "body-once", Title: "다른 이야기", Body: "회고 한 번"})
	x.Put(Doc{Slug: "title", Title: "3월 회고", Body: "이번 달은"})
	x.Put(Doc{Slug: "body-often", Title: "다른 글", Body: "회고 회고"})
	x.Put(Doc{Slug: "tag", Title: "또 다른 글", Tags: []string{"회고"}, Body: "내용"})
	got := slugs(x.Search("회고", Options{}))
	if !strings.HasPrefix(got, "title ") || !strings.HasSuffix(got, " body-once") {
		t.Errorf("ranking: %s (want the title hit first, the single body hit last)", got)
	}
	if got := slugs(x.Search("회고", Options{Limit: 2})); len(strings.Fields(got)) != 2 {
		t.Errorf("limit 2: %s", got)
	}
}

func TestUpdatesAndVisibility(t *testing.T) {
	x := New()
	x.Put(Doc{Slug: "a", Rev: 1, Body: "첫 버전 바나나"})
	x.Put(Doc{Slug: "a", Rev: 2, Body: "둘째 버전 사과"})
	if got := slugs(x.Search("바나나", Options{})); got != "" {
		t.Errorf("an old revision's words still match: %q", got)
	}
	if got := slugs(x.Search("사과", Options{})); got != "a" {
		t.Errorf("the new revision's words: %q", got)
	}
	if rev, ok := x.Rev("a"); !ok || rev != 2 {
		t.Errorf("Rev = %d, %v", rev, ok)
	}
	x.Put(Doc{Slug: "draft", Body: "사과 초안"})
	if got := slugs(x.Search("사과", Options{Visible: func(s string) bool { return s != "draft" }})); got != "a" {
		t.Errorf("a hidden post was found: %q", got)
	}
	x.Delete("a")
	if got := slugs(x.Search("사과", Options{})); got != "draft" || x.Len() != 1 {
		t.Errorf("after Delete: %q, %d docs", got, x.Len())
	}
	if st := x.Stats(); st.Docs != 1 || st.Terms == 0 || st.Bytes == 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestSnippets(t *testing.T) {
	x := New()
	long := strings.Repeat("앞부분 긴 문장 ", 30) + "여기서 **달리기를** 시작했다 " + strings.Repeat("뒷부분 ", 30)
	x.Put(Doc{Slug: "p", Body: "# 제목\n\n첫 줄\n\n" + long + "\n\n끝 \x1b[31m줄\n"})
	h := x.Search("달리기", Options{SnippetWidth: 40})
	if len(h) != 1 {
		t.Fatalf("hits: %+v", h)
	}
	s := h[0].Snippet
	if ansi.StringWidth(s) > 40 || !strings.Contains(s, "달리기를") || strings.ContainsAny(s, "*\x1b") {
		t.Errorf("snippet %q (%d columns)", s, ansi.StringWidth(s))
	}
	if len(h[0].Marks) != 1 || s[h[0].Marks[0][0]:h[0].Marks[0][1]] != "달리기" {
		t.Errorf("marks %v in %q", h[0].Marks, s)
	}
	if h[0].Offset <= 0 || h[0].Offset >= 1 {
		t.Errorf("offset %v", h[0].Offset)
	}
	x.Put(Doc{Slug: "esc", Body: "끝 \x1b]52;c;x\x07 단어"})
	if s := x.Search("단어", Options{})[0].Snippet; strings.ContainsRune(s, 0x1b) || strings.ContainsRune(s, 0x07) {
		t.Errorf("an escape reached the snippet: %q", s)
	}
}

func TestConcurrentSearchAndPut(t *testing.T) {
	x := New()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				x.Put(Doc{Slug: fmt.Sprintf("p%d-%d", w, i%20), Body: fmt.Sprintf("서울 %d 글", i)})
				x.Search("서울", Options{Limit: 5})
				if i%7 == 0 {
					x.Delete(fmt.Sprintf("p%d-%d", w, i%20))
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"달리기를 Go로 SSH", "ＡＢＣ", "\xff\xfe", "a\u0301b", "漢字かなカナ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(s)
		for _, q := range []bool{false, true} {
			for _, tok := range tokenize(n, q) {
				if tok.term == "" || n[tok.start:tok.end] != tok.term {
					t.Fatalf("token %+v of %q", tok, n)
				}
			}
		}
		x := New()
		x.Put(Doc{Slug: "x", Title: s, Body: s})
		for _, h := range x.Search(s, Options{SnippetWidth: 30}) {
			if ansi.StringWidth(h.Snippet) > 30 {
				t.Fatalf("snippet %q", h.Snippet)
			}
			for _, m := range h.Marks {
				if m[0] < 0 || m[1] > len(h.Snippet) || m[0] > m[1] {
					t.Fatalf("mark %v in %q", m, h.Snippet)
				}
			}
		}
	})
}

func TestMatchTerms(t *testing.T) {
	for q, want := range map[string]string{
		"달리기":        "달리 리기",
		"Go 언어를 배우다": "go 언어 어를 배우 우다",
		"ＡＢＣ 서":      "abc 서",
		"run run":    "run",
		"":           "",
	} {
		if got := strings.Join(MatchTerms(q), " "); got != want {
			t.Errorf("MatchTerms(%q) = %q, want %q", q, got, want)
		}
	}
	if Normalize("ＡＢＣ Déjà") != "abc déjà" {
		t.Errorf("Normalize = %q", Normalize("ＡＢＣ Déjà"))
	}
}

// TestLowerIsToLower: the index's quicker lower-casing gives what
// strings.ToLower gives.
func TestLowerIsToLower(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC", "달리기를 Go로", "달리기 ΣΊΣΥΦΟΣ", "İstanbul", "Ǆ", "ＡＢＣ", "한글만", "mixed 한글 And UPPER", "\xff\xfeA"} {
		if got, want := lower(s), strings.ToLower(s); got != want {
			t.Errorf("lower(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzLower(f *testing.F) {
	for _, s := range []string{"abc", "달리기 ΣΊΣΥΦΟΣ", "İ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := lower(s), strings.ToLower(s); got != want {
			t.Errorf("lower(%q) = %q, want %q", s, got, want)
		}
	})
}
