package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// revisionHeader is the JSON line that starts a stored revision; the
// markdown follows after a newline, unencoded.
type revisionHeader struct {
	Author string    `json:"author"`
	Time   time.Time `json:"time"`
	Action Action    `json:"action"`
	From   string    `json:"from,omitempty"` // a rename's slug before it
}

// EncodeRevision lays out a revision record as every store keeps it: a JSON
// header line (author, time, action), then the markdown, unencoded.
func EncodeRevision(r Revision) []byte {
	h, _ := json.Marshal(revisionHeader{Author: r.Author, Time: r.Time, Action: r.Action, From: r.From}) // cannot fail: plain fields
	out := make([]byte, 0, len(h)+1+len(r.Source))
	out = append(out, h...)
	out = append(out, '\n')
	return append(out, r.Source...)
}

// DecodeRevision reads a record written by EncodeRevision as revision rev of
// slug. The source is copied: v may be memory that is only valid for a while
// (bbolt's, inside a transaction).
func DecodeRevision(slug string, rev uint64, v []byte) (Revision, error) {
	head, src, ok := bytes.Cut(v, []byte{'\n'})
	if !ok {
		return Revision{}, fmt.Errorf("revision %d of %s is damaged: no header", rev, slug)
	}
	var h revisionHeader
	if err := json.Unmarshal(head, &h); err != nil {
		return Revision{}, fmt.Errorf("revision %d of %s is damaged: %w", rev, slug, err)
	}
	return Revision{
		Slug:   slug,
		Rev:    rev,
		Author: h.Author,
		Time:   h.Time,
		Action: h.Action,
		From:   h.From,
		Source: bytes.Clone(src),
	}, nil
}

// DecodeRevisionHeader reads the header of a record written by
// EncodeRevision, for a history: the revision without its source, which
// is neither copied nor kept.
func DecodeRevisionHeader(slug string, rev uint64, v []byte) (Revision, error) {
	head, _, ok := bytes.Cut(v, []byte{'\n'})
	if !ok {
		return Revision{}, fmt.Errorf("revision %d of %s is damaged: no header", rev, slug)
	}
	return DecodeRevision(slug, rev, append(head[:len(head):len(head)], '\n'))
}
