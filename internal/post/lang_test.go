package post

import "testing"

func TestDetectLang(t *testing.T) {
	for text, want := range map[string]string{
		"2024년 3월 회고: 점심시간에도 달리기를 했다":                            "ko",
		"Go의 interface와 generics를 쓰는 법":                          "ko",
		"A post in English with one word, 안녕":                    "",
		"日本語の文章です。改行は文字の間でできる。":                                  "ja",
		"中文的文章没有空格":                                              "zh",
		"1234 --- !!!":                                           "",
		"```go\nfunc main() {}\n```\n이 코드는 main 함수를 정의합니다. 간단하죠": "ko",
	} {
		if got := DetectLang(text); got != want {
			t.Errorf("DetectLang(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestSameLanguage(t *testing.T) {
	if !SameLanguage("ko", "ko-KR") || !SameLanguage("EN", "en-US") || SameLanguage("ko", "ja") {
		t.Error("SameLanguage compares primary subtags")
	}
}

func TestLanguage(t *testing.T) {
	ko := &Post{Meta: Meta{Title: "3월 회고"}, Body: []byte("점심시간에도 달렸다.")}
	if got := ko.Language("en"); got != "ko" {
		t.Errorf("a Korean post on an English blog: %q", got)
	}
	ko.Lang = "ja"
	if got := ko.Language("en"); got != "ja" {
		t.Errorf("the front matter's lang does not win: %q", got)
	}
	en := &Post{Meta: Meta{Title: "Notes"}, Body: []byte("Plain English.")}
	if got := en.Language("en"); got != "en" {
		t.Errorf("an English post: %q", got)
	}
}
