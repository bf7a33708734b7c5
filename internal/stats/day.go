package stats

import (
	"fmt"
	"time"
)

// Day is a calendar day in the blog's time zone, counted in days from
// 1970-01-01. It is a civil date: the same Day is the same date whatever the
// zone, and adding one is the next date.
type Day int32

// unixDay is seconds in a day of the proleptic calendar Day counts in.
const unixDay = 24 * 60 * 60

// DayOf returns the date t falls on in loc (time.Local when loc is nil).
func DayOf(t time.Time, loc *time.Location) Day {
	if loc == nil {
		loc = time.Local
	}
	y, m, d := t.In(loc).Date()
	return DateDay(y, m, d)
}

// DateDay returns the Day of a date. Out-of-range months and days are
// normalised as time.Date does.
func DateDay(year int, month time.Month, day int) Day {
	u := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix()
	return Day(floorDiv(u, unixDay))
}

// floorDiv divides rounding toward minus infinity, for days before 1970.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Date returns the day's year, month and day of the month.
func (d Day) Date() (year int, month time.Month, day int) {
	return time.Unix(int64(d)*unixDay, 0).UTC().Date()
}

// Start returns the first instant of the day in loc (time.Local when nil).
func (d Day) Start(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.Local
	}
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// String formats the day as 2006-01-02.
func (d Day) String() string {
	y, m, dd := d.Date()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}
