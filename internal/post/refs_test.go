package post

import (
	"reflect"
	"testing"
)

func TestImages(t *testing.T) {
	src := "---\ntitle: 회고\nheroImage: /assets/hero.png\n---\n" +
		"# 글\n\n![다이어그램 *굵게*](/assets/posts/d.svg \"t\")\n\n" +
		"text ![](pic.png) and ![again](/assets/posts/d.svg)\n\n" +
		"<figure><img alt=\"x\" src='./img/a.jpg'></figure>\n\n" +
		"```\n![not an image](/code.png)\n```\n\n![remote](https://example.com/p.jpg)\n"
	p, err := Parse([]byte(src), Options{Slug: "r"})
	if err != nil {
		t.Fatal(err)
	}
	want := []ImageRef{
		{Ref: "/assets/hero.png", Alt: "회고"},
		{Ref: "/assets/posts/d.svg", Alt: "다이어그램 굵게"},
		{Ref: "pic.png"},
		{Ref: "./img/a.jpg"},
		{Ref: "https://example.com/p.jpg", Alt: "remote"},
	}
	if got := p.Images(); !reflect.DeepEqual(got, want) {
		t.Errorf("Images =\n%+v\nwant\n%+v", got, want)
	}
}

func TestScanImages(t *testing.T) {
	p, err := Parse([]byte("---\ntitle: T\ncover: /c.png\n---\n> > ![깊은](/deep.svg \"t\")\n\n<img src=\"x.png\">\n"), Options{Slug: "s"})
	if err != nil {
		t.Fatal(err)
	}
	want := []ImageRef{{Ref: "/c.png", Alt: "T"}, {Ref: "/deep.svg", Alt: "깊은"}, {Ref: "x.png"}}
	if got := p.ScanImages(); !reflect.DeepEqual(got, want) {
		t.Errorf("ScanImages = %+v", got)
	}
}
