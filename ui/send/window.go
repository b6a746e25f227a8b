package send

import (
	"fmt"

	"github.com/pushdeck/pushdeck/push"
)

// windowText is the engine's in-flight window as of the newest result
// (push.Result.Window: the server's stream limit, backed off after 429,
// 503 and GOAWAY, at most the concurrency bound), for the progress line;
// "" before there is a result with one.
func windowText(rs []push.Result) string {
	if len(rs) == 0 || rs[len(rs)-1].Window <= 0 {
		return ""
	}
	return fmt.Sprintf(" · window %d", rs[len(rs)-1].Window)
}
