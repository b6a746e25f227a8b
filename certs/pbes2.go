package certs

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
)

// Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018):
// the standard library reads only unencrypted PKCS#8, and this is what
// `openssl pkcs12 -nocerts` and `openssl pkcs8 -topk8` write by default.

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

// exportIterations is the PBKDF2 count for keys pushdeck encrypts: OWASP's
// 2023 advice for PBKDF2-HMAC-SHA256.
const exportIterations = 600_000

type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

type pbes2Params struct {
	KeyDerivationFunc pkix.AlgorithmIdentifier
	EncryptionScheme  pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt           []byte
	IterationCount int
	KeyLength      int                      `asn1:"optional"`
	PRF            pkix.AlgorithmIdentifier `asn1:"optional"`
}

// errBadPassword is returned when decryption fails in a way only a wrong
// password explains (bad padding, or plaintext that is not a key).
var errBadPassword = errors.New("incorrect password")

// errUnsupportedEncryption names an encryption pushdeck cannot undo.
type errUnsupportedEncryption struct{ what string }

func (e errUnsupportedEncryption) Error() string {
	return "the key is encrypted with " + e.what + ", which pushdeck does not read"
}

// decryptPKCS8 opens an ENCRYPTED PRIVATE KEY and parses the key inside.
func decryptPKCS8(der []byte, password string) (any, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("the encrypted key is damaged: not a valid PKCS#8 structure")
	}
	plain, err := pbes2Decrypt(info.Algorithm, info.EncryptedData, password)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(plain)
	if err != nil {
		// Right padding by chance (about 1 in 256) but not a key: still the password.
		return nil, errBadPassword
	}
	return k, nil
}

// pbes2Decrypt undoes PBES2 encryption (PBKDF2 + a CBC cipher) with the
// password as UTF-8 bytes, as OpenSSL does for PKCS#8 and PKCS#12 alike.
func pbes2Decrypt(alg pkix.AlgorithmIdentifier, data []byte, password string) ([]byte, error) {
	if !alg.Algorithm.Equal(oidPBES2) {
		return nil, errUnsupportedEncryption{"the old PBES1/PKCS#12 scheme " + alg.Algorithm.String()}
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("the encryption parameters are damaged (PBES2)")
	}
	if !params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, errUnsupportedEncryption{"key derivation " + params.KeyDerivationFunc.Algorithm.String()}
	}
	// The count first, read as a big number: a count too large for an int
	// is named, not called damage, and nothing is hashed before the check.
	if n, ok, err := pbkdf2Count(params.KeyDerivationFunc); err == nil && ok {
		if err := checkCount(n); err != nil {
			return nil, err
		}
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
		return nil, fmt.Errorf("the encryption parameters are damaged (PBKDF2)")
	}
	if kdf.IterationCount < 1 || kdf.IterationCount > MaxIterations {
		return nil, errIterations{count: big.NewInt(int64(kdf.IterationCount))}
	}
	newHash, err := prfHash(kdf.PRF.Algorithm)
	if err != nil {
		return nil, err
	}
	block, keyLen, err := cipherFor(params.EncryptionScheme.Algorithm)
	if err != nil {
		return nil, err
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.EncryptionScheme.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("the encryption parameters are damaged (no IV)")
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != keyLen {
		return nil, fmt.Errorf("the encryption parameters are damaged: key length %d does not fit the cipher", kdf.KeyLength)
	}
	key, err := pbkdf2.Key(newHash, password, kdf.Salt, kdf.IterationCount, keyLen)
	if err != nil {
		return nil, fmt.Errorf("deriving the key from the password: %w", err)
	}
	c, err := block(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != c.BlockSize() {
		return nil, fmt.Errorf("the encryption parameters are damaged: IV of %d bytes for a %d-byte block cipher", len(iv), c.BlockSize())
	}
	if len(data) == 0 || len(data)%c.BlockSize() != 0 {
		return nil, fmt.Errorf("the encrypted data is damaged: %d bytes is not a whole number of cipher blocks", len(data))
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(c, iv).CryptBlocks(plain, data)
	plain, ok := unpad(plain, c.BlockSize())
	if !ok {
		return nil, errBadPassword
	}
	return plain, nil
}

// encryptPKCS8 wraps a key as PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), which
// OpenSSL 1.1+ and pushdeck read.
func encryptPKCS8(key any, password string) ([]byte, error) {
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	dk, err := pbkdf2.Key(sha256.New, password, salt, exportIterations, 32)
	if err != nil {
		return nil, err
	}
	c, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c, iv).CryptBlocks(enc, plain)

	null := asn1.RawValue{Tag: asn1.TagNull}
	kdfParams, err := asn1.Marshal(pbkdf2Params{
		Salt: salt, IterationCount: exportIterations, KeyLength: 32,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: null},
	})
	if err != nil {
		return nil, err
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KeyDerivationFunc: pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		EncryptionScheme:  pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(encryptedPrivateKeyInfo{
		Algorithm:     pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
		EncryptedData: enc,
	})
}

func prfHash(oid asn1.ObjectIdentifier) (func() hash.Hash, error) {
	switch {
	case len(oid) == 0 || oid.Equal(oidHMACSHA1):
		return sha1.New, nil // RFC 8018's default PRF
	case oid.Equal(oidHMACSHA224):
		return sha256.New224, nil
	case oid.Equal(oidHMACSHA256):
		return sha256.New, nil
	case oid.Equal(oidHMACSHA384):
		return sha512.New384, nil
	case oid.Equal(oidHMACSHA512):
		return sha512.New, nil
	}
	return nil, errUnsupportedEncryption{"PBKDF2 with PRF " + oid.String()}
}

func cipherFor(oid asn1.ObjectIdentifier) (func([]byte) (cipher.Block, error), int, error) {
	switch {
	case oid.Equal(oidAES128CBC):
		return aes.NewCipher, 16, nil
	case oid.Equal(oidAES192CBC):
		return aes.NewCipher, 24, nil
	case oid.Equal(oidAES256CBC):
		return aes.NewCipher, 32, nil
	case oid.Equal(oidDESEDE3CBC):
		return des.NewTripleDESCipher, 24, nil
	}
	return nil, 0, errUnsupportedEncryption{"cipher " + oid.String()}
}

// unpad strips PKCS#7 padding; ok is false when the padding is not valid,
// the usual sign of a wrong password.
func unpad(b []byte, size int) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n == 0 || n > size || n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
