package profiles

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
)

// CheckProfile compares a profile with its loaded credential's report: a
// development-only certificate cannot be a production profile (and the
// reverse) unless override is set. It fills an empty topic from the
// certificate and returns the adjusted profile. An unusable credential is
// refused the same way.
func CheckProfile(p Profile, rep certs.Report, override bool) (Profile, error) {
	p, issues, err := ReviewProfile(p, rep)
	if err != nil {
		return p, err
	}
	if len(issues) > 0 && !override {
		return p, fmt.Errorf("%s (--force saves the profile anyway)", strings.Join(issues, "; "))
	}
	return p, nil
}

// ReviewProfile is CheckProfile without the verdict: it fills defaults from
// the report (auth kind, environment, topic, key and team IDs) and returns
// the issues an override may accept, so a caller can show what it is
// accepting. err is for what no override can fix (a token key without a
// team ID or topic, no environment at all).
func ReviewProfile(p Profile, rep certs.Report) (Profile, []string, error) {
	var issues []string
	if p.Environment != "" {
		env, err := certs.ParseEnvironment(string(p.Environment))
		if err != nil {
			return p, nil, err
		}
		p.Environment = env
	}
	if !rep.Usable {
		what := "it has problems"
		if len(rep.Problems) > 0 {
			msgs := make([]string, len(rep.Problems))
			for i, f := range rep.Problems {
				msgs[i] = f.String()
			}
			what = strings.Join(msgs, " ")
		}
		issues = append(issues, fmt.Sprintf("the credential %s cannot be used: %s", fileName(p, rep), what))
	}
	switch {
	case rep.TokenKey != nil:
		p.Auth = certs.AuthToken
		if p.KeyID == "" {
			p.KeyID = rep.TokenKey.KeyID
		}
		if p.TeamID == "" {
			p.TeamID = rep.TokenKey.TeamID
		}
		if p.KeyID == "" {
			return p, issues, errors.New("the token key's key ID is unknown: give --key-id (the 10 characters in AuthKey_<KEYID>.p8)")
		}
		if p.TeamID == "" {
			return p, issues, errors.New("a token key needs its team ID: give --team-id (10 characters, shown in the Apple developer account)")
		}
		if p.Topic == "" {
			return p, issues, errors.New("a token key (.p8) works for every app of the team, so it does not say which: give --topic BUNDLE_ID")
		}
		if p.Environment == "" {
			return p, issues, errors.New("a token key works in both environments: say which with --env development or --env production")
		}
	case rep.Certificate != nil:
		p.Auth = certs.AuthCertificate
		c := rep.Certificate
		envs := c.Environments
		if p.Environment == "" {
			if len(envs) != 1 {
				return p, issues, errors.New("say which environment the profile is for: --env development or --env production")
			}
			p.Environment = envs[0]
		}
		if len(envs) > 0 && !slices.Contains(envs, p.Environment) {
			issues = append(issues, fmt.Sprintf("the certificate is for %s only, so APNs would refuse a %s profile (BadCertificateEnvironment): use --env %s, or a %s or universal certificate",
				envs[0], p.Environment, envs[0], p.Environment))
		}
		topics := make([]string, 0, len(c.Topics))
		for _, t := range c.Topics {
			topics = append(topics, t.Topic)
		}
		def := c.Topic
		if def == "" && len(topics) > 0 {
			def = topics[0]
		}
		switch {
		case p.Topic == "":
			p.Topic = def
		case len(topics) > 0 && !slices.Contains(topics, p.Topic):
			issues = append(issues, fmt.Sprintf("the certificate does not cover topic %q (it covers %s), so APNs would answer TopicDisallowed: leave --topic out to use %q",
				p.Topic, strings.Join(topics, ", "), def))
		}
	default:
		if p.Environment == "" {
			return p, issues, errors.New("say which environment the profile is for: --env development or --env production")
		}
	}
	return p, issues, nil
}

func fileName(p Profile, rep certs.Report) string {
	if rep.File != "" {
		return rep.File
	}
	return p.CertPath
}
