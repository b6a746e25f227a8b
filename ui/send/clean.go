package send

import (
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/push"
)

// cleanResult is r with every string that came from outside (the label
// from a tokens file or the book, the server's reason, IDs, headers and
// body) made safe to draw: the detail view prints them as they are.
func cleanResult(r push.Result) push.Result {
	c := textsafe.Clean
	r.Token, r.Label, r.Reason, r.ApnsID, r.ApnsUniqueID = c(r.Token), c(r.Label), c(r.Reason), c(r.ApnsID), c(r.ApnsUniqueID)
	r.Request, r.Response = cleanExchange(r.Request), cleanExchange(r.Response)
	return r
}

func cleanExchange(x push.Exchange) push.Exchange {
	if len(x.Headers) > 0 {
		h := make(map[string]string, len(x.Headers))
		for k, v := range x.Headers {
			h[textsafe.Clean(k)] = textsafe.Clean(v)
		}
		x.Headers = h
	}
	if len(x.Body) > 0 {
		x.Body = []byte(textsafe.CleanMultiline(string(x.Body)))
	}
	return x
}
