package httpx

import "time"

// SetBodyPace changes how long a large body may keep a request waiting,
// so that tests need not wait seconds.
func SetBodyPace(grace time.Duration, rate int) (restore func()) {
	oldGrace, oldRate := bodyGrace, minBodyRate
	bodyGrace, minBodyRate = grace, rate
	return func() { bodyGrace, minBodyRate = oldGrace, oldRate }
}

// BodyFirst is how much of a body is received before a request takes its place.
const BodyFirst = bodyFirst
