package main

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// Identity of the benchmark's throwaway app and team.
const (
	benchTopic  = "com.example.pushdeck.bench"
	benchKeyID  = "BENCHKEY01"
	benchTeamID = "BENCHTEAM1"
)

// creds are the throwaway credentials of one benchmark run: a client CA with
// an APNs-style certificate (certificate auth) and an ES256 key (token auth).
// They live in memory only.
type creds struct {
	ca       *certgen.CA
	cert     tls.Certificate
	certPEM  []byte // ck.pem: what `pushdeck send --cert` would read
	tokenKey *ecdsa.PrivateKey
	p8       []byte
	pubDER   []byte
}

func newCreds() (*creds, error) {
	ca, err := certgen.NewCA("pushdeck bench client CA")
	if err != nil {
		return nil, err
	}
	cert, err := ca.Client(certgen.ClientSpec{
		Topic:        benchTopic,
		Environments: []certs.Environment{certs.Development},
		TeamID:       benchTeamID,
	})
	if err != nil {
		return nil, err
	}
	certPEM, err := certgen.PEM(cert)
	if err != nil {
		return nil, err
	}
	key, err := certgen.TokenKey()
	if err != nil {
		return nil, err
	}
	p8, err := certgen.P8(key)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &creds{ca: ca, cert: cert, certPEM: certPEM, tokenKey: key, p8: p8, pubDER: pub}, nil
}

// credential loads the credential for auth through certs.LoadBytes, the path
// `pushdeck send --cert/--p8` takes.
func (c *creds) credential(auth string) (*certs.Credential, error) {
	switch auth {
	case "cert":
		return certs.LoadBytes(c.certPEM, "bench.pem", certs.Options{})
	case "token":
		return certs.LoadBytes(c.p8, "AuthKey_"+benchKeyID+".p8", certs.Options{KeyID: benchKeyID, TeamID: benchTeamID})
	}
	return nil, fmt.Errorf("auth %q: use cert or token", auth)
}

func parseECPublic(der []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("token public key: %w", err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("token public key is not ECDSA")
	}
	return pub, nil
}
