package certs_test

import (
	"math/big"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func pkcs12Modern() *pkcs12.Encoder { return pkcs12.Modern2023 }

func bigInt(n int64) *big.Int { return big.NewInt(n) }
