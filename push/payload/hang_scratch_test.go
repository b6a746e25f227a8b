package payload

import (
	"fmt"
	"math/rand"
	"os"
	"testing"
	"time"
)

func TestHangScratch(t *testing.T) {
	var seeds [][]byte
	for _, tpl := range Templates() {
		seeds = append(seeds, []byte(tpl.Body))
	}
	for _, c := range ruleCases() {
		seeds = append(seeds, []byte(c.bad))
	}
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 300000; n++ {
		b := append([]byte(nil), seeds[rng.Intn(len(seeds))]...)
		for k := rng.Intn(4) + 1; k > 0; k-- {
			if len(b) == 0 {
				break
			}
			i := rng.Intn(len(b))
			switch rng.Intn(3) {
			case 0:
				b[i] = byte(rng.Intn(256))
			case 1:
				b = append(b[:i], b[i+1:]...)
			case 2:
				b = append(b[:i], append([]byte{"{}[]\",:\\u0ae-. "[rng.Intn(15)]}, b[i:]...)...)
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for pt := range fuzzTypes {
				Validate(b, Options{Headers: Headers{PushType: fuzzTypes[pt]}})
			}
			Format(b)
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			os.WriteFile("/tmp/hang.bin", b, 0o644)
			panic(fmt.Sprintf("hang on %q", b))
		}
	}
}
