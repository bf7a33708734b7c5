package post

import (
	"strings"
	"unicode"
)

// cjkShare is the share of a text's letters, in percent, that makes it
// Korean, Japanese or Chinese when nothing says what language it is in. A
// Hangul syllable or Han character counts as two letters (it spells two or
// three sounds), so that Korean prose full of English terms ("Go의
// interface와 generics") is Korean.
const cjkShare = 30

// langSample bounds how much of a text DetectLang looks at, in runes.
const langSample = 4000

// DetectLang returns the language a text's script shows, for the three
// whose lines break differently: "ko" (Hangul; Korean breaks lines between
// words), "ja" (kana), "zh" (Han without kana; Chinese and Japanese break
// between characters). A text is in one of them when at least 30% of its
// letters (of the first 4,000 runes; a syllable or character counts twice)
// are in its script. Otherwise, and for a text with no letters, it returns
// "": the script does not tell.
func DetectLang(text string) string {
	letters, hangul, kana, han, n := 0, 0, 0, 0, 0
	for _, r := range text {
		if n++; n > langSample {
			break
		}
		if !unicode.IsLetter(r) {
			continue
		}
		switch {
		case unicode.Is(unicode.Hangul, r):
			letters, hangul = letters+2, hangul+2
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			letters, kana = letters+2, kana+2
		case unicode.Is(unicode.Han, r):
			letters, han = letters+2, han+2
		default:
			letters++
		}
	}
	switch {
	case letters == 0:
		return ""
	case hangul*100 >= letters*cjkShare:
		return "ko"
	case kana > 0 && (kana+han)*100 >= letters*cjkShare:
		return "ja"
	case han*100 >= letters*cjkShare:
		return "zh"
	}
	return ""
}

// SameLanguage reports whether two language tags name one language ("ko"
// and "ko-KR" do), by their primary subtags.
func SameLanguage(a, b string) bool {
	pa, _, _ := strings.Cut(a, "-")
	pb, _, _ := strings.Cut(b, "-")
	return strings.EqualFold(pa, pb)
}

// Language returns the language of p: its front matter's lang, else what
// its title and text show (DetectLang), else fallback, the blog's.
func (p *Post) Language(fallback string) string {
	if p.Lang != "" {
		return p.Lang
	}
	body := p.Body[:min(len(p.Body), 4*langSample)]
	if l := DetectLang(p.Title + "\n" + string(body)); l != "" {
		return l
	}
	return fallback
}
