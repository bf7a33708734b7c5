package soak

// The pieces of a session's output the soak waits for, by their index in
// markerBytes.
const (
	markList  = iota // the window title is the blog's: the list is shown
	markPager        // the window title is a post's and the blog's: the pager is shown
	markCount        // the list's status line counts the posts: the list has loaded
	markBody         // the first word of a post's body: the post has loaded
)

// markerBytes are the markers' bytes for a blog titled title whose posts'
// bodies start with body. The TUI sets the window title (OSC 2) whenever
// it changes: to the blog's title on the list, and to "POST · BLOG" in the
// pager.
func markerBytes(title, body string) [][]byte {
	return [][]byte{
		markList:  []byte("\x1b]2;" + title + "\x07"),
		markPager: []byte(" · " + title + "\x07"),
		markCount: []byte(" posts"),
		markBody:  []byte(body),
	}
}
