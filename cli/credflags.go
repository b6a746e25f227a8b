package cli

import (
	"github.com/spf13/pflag"

	"github.com/pushdeck/pushdeck/session"
)

// registerPassword adds the password flags. The password never travels on
// the command line, where ps and shell history would keep it.
func registerPassword(fs *pflag.FlagSet, p *session.PasswordFlags) {
	fs.StringVar(&p.File, "password-file", "", "read the credential password from `FILE` (first line)")
	fs.BoolVar(&p.Stdin, "password-stdin", false, "read the credential password from standard input (first line)")
}

// registerCredential adds the credential and connection flags that send
// and probe share. A --profile gives defaults; any flag given wins.
func registerCredential(fs *pflag.FlagSet, r *session.Request) {
	fs.StringVar(&r.Profile, "profile", "", "use the saved profile `NAME` (flags below override it)")
	fs.StringVar(&r.Cert, "cert", "", "client certificate `FILE` (.p12, PEM, ck.pem, .cer)")
	fs.StringVar(&r.Key, "key", "", "private key `FILE` for a certificate that comes without one")
	fs.StringVar(&r.P8, "p8", "", "the token-auth key `FILE` (AuthKey_KEYID.p8)")
	fs.StringVar(&r.KeyID, "key-id", "", "token key `ID` (10 characters; default from the AuthKey_ID.p8 name)")
	fs.StringVar(&r.TeamID, "team-id", "", "Apple developer team `ID` (10 characters) for token auth")
	fs.StringVar(&r.Env, "env", "", "the APNs environment: development (sandbox) or production")
	fs.StringVar(&r.Host, "host", "", "push to this server `URL` instead of Apple's (e.g. https://127.0.0.1:2197)")
	fs.StringVar(&r.ServerCA, "server-ca", "", "trust the CA in `FILE` for --host (PEM)")
	fs.StringVar(&r.Topic, "topic", "", "the app's bundle `ID` (default: the certificate's topic)")
	fs.IntVar(&r.Port, "port", 0, "the APNs port: 443 (default) or 2197")
	registerPassword(fs, &r.Password)
}

// resolve loads the credential a command line names (see session.Resolve).
func resolve(e env, r session.Request) (*session.Session, error) {
	store, storeErr := session.OpenStore()
	return session.Resolve(e.session(), store, storeErr, r)
}
