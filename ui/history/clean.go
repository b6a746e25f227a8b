package history

import (
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/profiles"
)

// cleanEntry is e with every string that came from outside (labels from
// files, the server's reasons and IDs, the payload) made safe to draw: a
// history entry can carry escape codes that would redraw the terminal.
func cleanEntry(e profiles.HistoryEntry) profiles.HistoryEntry {
	c := textsafe.Clean
	e.Batch, e.Profile, e.Topic, e.PushType = c(e.Batch), c(e.Profile), c(e.Topic), c(e.PushType)
	e.CollapseID, e.Expiration, e.PayloadHash = c(e.CollapseID), c(e.Expiration), c(e.PayloadHash)
	e.Token, e.Label, e.Reason, e.Error = c(e.Token), c(e.Label), c(e.Reason), c(e.Error)
	e.ApnsID, e.ApnsUniqueID = c(e.ApnsID), c(e.ApnsUniqueID)
	e.Payload = textsafe.CleanMultiline(e.Payload)
	return e
}
