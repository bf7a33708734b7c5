package post_test

import (
	"fmt"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

func ExampleParse() {
	src := []byte(`---
title: '24년 3월 회고'
author: ash84
pub_date: '2024-04-14'
tags: [essay, 회고, retrospective]
---
# 달리기
`)
	kst := time.FixedZone("KST", 9*60*60)
	p, err := post.Parse(src, post.Options{Location: kst})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Slug)
	fmt.Println(p.Title, "by", p.Author, "on", p.Date.Format(time.RFC3339))
	fmt.Printf("%q\n", p.Tags)
	fmt.Printf("%q\n", p.Body)
	// Output:
	// 24년-3월-회고
	// 24년 3월 회고 by ash84 on 2024-04-14T00:00:00+09:00
	// ["essay" "회고" "retrospective"]
	// "# 달리기\n"
}

func ExampleParse_errors() {
	for _, src := range []string{
		"# Hi\n\u202e\n",
		"---\ntitle: Hi\n",
		"---\ntitle: Hi\ndate: someday\n---\n",
	} {
		_, err := post.Parse([]byte(src), post.Options{})
		fmt.Println(err)
	}
	// Output:
	// control character U+202E on line 2
	// invalid front matter: the --- on line 1 is never closed
	// invalid front matter: date: "someday" is not a date: write it like 2006-01-02, 2006-01-02 15:04 or 2006-01-02T15:04:05+09:00
}

func ExampleParseDate() {
	kst := time.FixedZone("KST", 9*60*60)
	for _, s := range []string{"2024-04-14", "2024-04-14 10:20 -0700", "Apr 14, 2024", "Sun, 14 Apr 2024 10:20:30 GMT"} {
		t, err := post.ParseDate(s, kst)
		fmt.Println(t.Format(time.RFC3339), err)
	}
	// Output:
	// 2024-04-14T00:00:00+09:00 <nil>
	// 2024-04-14T10:20:00-07:00 <nil>
	// 2024-04-14T00:00:00+09:00 <nil>
	// 2024-04-14T10:20:30Z <nil>
}

func ExampleMakeSlug() {
	fmt.Println(post.MakeSlug("24년 3월 회고"))
	fmt.Println(post.MakeSlug("Hello, World!"))
	fmt.Println(post.MakeSlug("../../etc/passwd"))
	// Output:
	// 24년-3월-회고
	// hello-world
	// etc-passwd
}

func ExampleSlugFromFileName() {
	for _, name := range []string{"content/blog/2024-03-01-hello.md", "content/posts/my-post/index.md", "notes.txt"} {
		fmt.Println(post.SlugFromFileName(name))
	}
	// Output:
	// hello <nil>
	// my-post <nil>
	//  invalid slug: "notes.txt" is not a markdown file (.md, .mdx or .markdown)
}
