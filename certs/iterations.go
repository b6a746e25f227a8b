package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// MaxIterations is the most key-derivation iterations pushdeck runs for one
// encrypted part of a credential (a PKCS#12 MAC, an encrypted bag, an
// encrypted PKCS#8 key). Keychain Access and OpenSSL write 2,048; OWASP's
// 2023 advice for PBKDF2-HMAC-SHA256 is 600,000, which pushdeck's own
// exports use. A file asking for more is damaged or built to stall whoever
// opens it (10^8 iterations take about 24 s on a laptop), so it is refused
// before any hashing starts.
const MaxIterations = 1_000_000

// maxTotalIterations bounds the sum over all encrypted parts of one file: a
// real .p12 has three (the MAC, the certificate bag, the key bag).
const maxTotalIterations = 4 * MaxIterations

// CodeExcessiveIterations: the file asks for more key-derivation work than
// any real export does; refused before hashing.
const CodeExcessiveIterations Code = "excessive-iterations"

// errIterations is a refused iteration count; count is as written in the file.
type errIterations struct {
	count *big.Int
	total bool // the sum over the file's parts, not one part
}

func (e errIterations) Error() string {
	if e.total {
		return fmt.Sprintf("the file asks for %s iterations in total across its encrypted parts, beyond any real export (the limit is %d in all); refusing", e.count, maxTotalIterations)
	}
	if e.count.Sign() <= 0 {
		return fmt.Sprintf("iteration count %s is not a valid count; the file is damaged", e.count)
	}
	return fmt.Sprintf("iteration count %s is beyond any real export (the limit is %d; Keychain and OpenSSL write 2,048); refusing", e.count, MaxIterations)
}

func findExcessiveIterations(name string, err errIterations) Finding {
	return Finding{Code: CodeExcessiveIterations,
		Message: fmt.Sprintf("%s: %s.", name, err.Error()),
		Advice:  "Export the certificate and key again (Keychain Access: File > Export Items); a file like this is damaged or was made to stall the tool that opens it."}
}

// checkCount refuses a count outside 1..MaxIterations.
func checkCount(n *big.Int) error {
	if n == nil || n.Sign() <= 0 || !n.IsInt64() || n.Int64() > MaxIterations {
		if n == nil {
			n = big.NewInt(0)
		}
		return errIterations{count: n}
	}
	return nil
}

var (
	oidPKCS12PBEPrefix  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
	oidPBMAC1           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidShroudedKeyBag   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidSafeContentsBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	errCountUnreadable  = errors.New("unreadable iteration count")
	maxBagsInspected    = 4096
	maxNestingInspected = 4
)

// p12MacData mirrors RFC 7292's MacData with the count kept big, so a
// count too large for an int is still read and named.
type p12MacData struct {
	Mac struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
	MacSalt    []byte
	Iterations asn1.RawValue `asn1:"optional"`
}

type pbeCountParams struct {
	Salt       []byte
	Iterations *big.Int
}

type pbkdf2CountParams struct {
	Salt       asn1.RawValue // OCTET STRING, or the rare AlgorithmIdentifier choice
	Iterations *big.Int
	Rest       asn1.RawValue `asn1:"optional"` // key length, PRF
	Rest2      asn1.RawValue `asn1:"optional"`
}

type pbmac1Params struct {
	KeyDerivationFunc pkix.AlgorithmIdentifier
	MessageAuthScheme pkix.AlgorithmIdentifier
}

// countOf reads the iteration count of an encryption or MAC algorithm
// without running it: PKCS#12 PBE, PBES2/PBKDF2 and PBMAC1. ok is false for
// an algorithm that has no count (or one pushdeck does not know: the
// decoder then refuses it without hashing).
func countOf(alg pkix.AlgorithmIdentifier) (n *big.Int, ok bool, err error) {
	switch {
	case hasPrefix(alg.Algorithm, oidPKCS12PBEPrefix):
		var p pbeCountParams
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return nil, false, errCountUnreadable
		}
		return p.Iterations, true, nil
	case alg.Algorithm.Equal(oidPBES2):
		var params pbes2Params
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil {
			return nil, false, errCountUnreadable
		}
		return pbkdf2Count(params.KeyDerivationFunc)
	case alg.Algorithm.Equal(oidPBMAC1):
		var params pbmac1Params
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil {
			return nil, false, errCountUnreadable
		}
		return pbkdf2Count(params.KeyDerivationFunc)
	}
	return nil, false, nil
}

func pbkdf2Count(kdf pkix.AlgorithmIdentifier) (*big.Int, bool, error) {
	if !kdf.Algorithm.Equal(oidPBKDF2) {
		return nil, false, nil
	}
	var p pbkdf2CountParams
	if _, err := asn1.Unmarshal(kdf.Parameters.FullBytes, &p); err != nil {
		return nil, false, errCountUnreadable
	}
	return p.Iterations, true, nil
}

func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) > len(prefix) && oid[:len(prefix)].Equal(prefix)
}

// p12Work reads every iteration count a PKCS#12 file will make the decoder
// run (the MAC, each encrypted safe, each shrouded key bag in a plain safe,
// and bags inside PBES2-encrypted safes once the password opens them) and
// refuses the file when one count or their sum is beyond MaxIterations or
// maxTotalIterations. It runs before go-pkcs12 hashes anything.
//
// What it cannot see: a shrouded key bag nested inside a safe encrypted with
// the legacy PKCS#12 PBE (RC2/3DES), which only decrypting reveals. No known
// exporter writes that; LoadContext's cancellation is the bound there.
func p12Work(data []byte, password string) error {
	var pfx pfxPdu
	if _, err := asn1.Unmarshal(data, &pfx); err != nil {
		return nil // not parseable here: the decoder explains the damage
	}
	total := new(big.Int)
	add := func(n *big.Int) error {
		if err := checkCount(n); err != nil {
			return err
		}
		total.Add(total, n)
		if total.Cmp(big.NewInt(maxTotalIterations)) > 0 {
			return errIterations{count: total, total: true}
		}
		return nil
	}
	if len(pfx.MacData.FullBytes) > 0 {
		var md p12MacData
		if _, err := asn1.Unmarshal(pfx.MacData.FullBytes, &md); err == nil {
			if n, ok, err := countOf(md.Mac.Algorithm); err == nil && ok {
				if err := add(n); err != nil { // PBMAC1
					return err
				}
			} else if err == nil {
				n := big.NewInt(1) // RFC 7292's default
				if len(md.Iterations.FullBytes) > 0 {
					n = new(big.Int)
					if _, err := asn1.Unmarshal(md.Iterations.FullBytes, &n); err != nil {
						return errIterations{count: big.NewInt(0)}
					}
				}
				if err := add(n); err != nil {
					return err
				}
			}
		}
	}
	if !pfx.AuthSafe.ContentType.Equal(oidDataContentType) {
		return nil
	}
	var authSafeDER []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafeDER); err != nil {
		return nil
	}
	var safes []contentInfo
	if _, err := asn1.Unmarshal(authSafeDER, &safes); err != nil {
		return nil
	}
	for _, ci := range safes {
		switch {
		case ci.ContentType.Equal(oidDataContentType):
			var contents []byte
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &contents); err == nil {
				if err := bagsWork(contents, add, 0); err != nil {
					return err
				}
			}
		case ci.ContentType.Equal(oidEncryptedDataContentType):
			var ed p12EncryptedData
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
				continue
			}
			alg := ed.EncryptedContentInfo.ContentEncryptionAlgorithm
			n, ok, err := countOf(alg)
			if err != nil || !ok {
				continue // damaged or unknown: the decoder refuses it without hashing
			}
			if err := add(n); err != nil {
				return err
			}
			if alg.Algorithm.Equal(oidPBES2) {
				// Look inside: its bags may hold their own counts.
				if plain, err := pbes2Decrypt(alg, ed.EncryptedContentInfo.EncryptedContent, password); err == nil {
					if err := bagsWork(plain, add, 0); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// bagsWork adds the counts of the shrouded key bags in a SafeContents.
func bagsWork(der []byte, add func(*big.Int) error, depth int) error {
	var bags []safeBag
	if _, err := asn1.Unmarshal(der, &bags); err != nil {
		return nil
	}
	if len(bags) > maxBagsInspected {
		return fmt.Errorf("the file holds %d bags; a push credential has two or three", len(bags))
	}
	for _, b := range bags {
		switch {
		case b.ID.Equal(oidShroudedKeyBag):
			var info encryptedPrivateKeyInfo
			if _, err := asn1.Unmarshal(b.Value.Bytes, &info); err != nil {
				continue
			}
			if n, ok, err := countOf(info.Algorithm); err == nil && ok {
				if err := add(n); err != nil {
					return err
				}
			}
		case b.ID.Equal(oidSafeContentsBag) && depth < maxNestingInspected:
			if err := bagsWork(b.Value.Bytes, add, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
