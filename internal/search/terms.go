package search

// Normalize returns text as the index sees it: NFKC, lower case. A text
// normalised so contains the terms [MatchTerms] returns where the index
// would find them.
func Normalize(text string) string { return normalize(text) }

// MatchTerms returns the terms of query as the index matches them, each
// once, in order, for showing a reader where a post matches: the words of
// spaced scripts, and for a run of Hangul, Han or Kana its pairs of
// characters (or the one character of a run of one). They are normalised
// (see [Normalize]).
func MatchTerms(query string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tokenize(normalize(query), true) {
		if !seen[t.term] {
			seen[t.term] = true
			out = append(out, t.term)
		}
	}
	return out
}
