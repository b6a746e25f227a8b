package certs

import (
	"fmt"
	"time"
)

// Codes added beside the contract's, for .p8 token keys.
const (
	// CodeMissingKeyID warns that a token key has no key ID (the file is not
	// named AuthKey_<KEYID>.p8 and none was given).
	CodeMissingKeyID Code = "missing-key-id"
	// CodeMissingTeamID warns that a token key has no team ID.
	CodeMissingTeamID Code = "missing-team-id"
)

// The sentences below are read by support staff, not developers: say what is
// wrong in plain words, then what to do next.

const adviceReexport = "The file is damaged or incomplete: export it again (Keychain Access: select the certificate and its key, File > Export Items) or download it again."

func findFileMissing(what, name string) Finding {
	return Finding{Code: CodeFileMissing,
		Message: fmt.Sprintf("The %s %s does not exist.", what, name),
		Advice:  "Check the path and the spelling; dragging the file onto the terminal pastes its full path."}
}

func findUnreadable(what, name string, err error) Finding {
	return Finding{Code: CodeUnreadable,
		Message: fmt.Sprintf("The %s %s cannot be read: %v.", what, name, err),
		Advice:  "Check that it is a file you are allowed to read (ls -l), not a folder."}
}

func findFolder(what, name string) Finding {
	return Finding{Code: CodeUnreadable,
		Message: fmt.Sprintf("The %s %s is a folder, not a file.", what, name),
		Advice:  "Give the path of the .p12, .pem, .cer or .p8 file inside it."}
}

func findTooBig(name string, size int64) Finding {
	return Finding{Code: CodeNotCertificate,
		Message: fmt.Sprintf("%s is %d bytes, far too big to be a push credential (they are a few kilobytes).", name, size),
		Advice:  "Check that you picked the right file: a .p12, .pem, .cer or AuthKey_<KEYID>.p8."}
}

// findTooBigRead is a file whose size said little but whose reading did
// not end (procfs, a file growing while read).
func findTooBigRead(name string) Finding {
	return Finding{Code: CodeNotCertificate,
		Message: fmt.Sprintf("%s gave more than %d bytes when read, far too much for a push credential (they are a few kilobytes).", name, maxFileSize),
		Advice:  "Check that you picked the right file: a .p12, .pem, .cer or AuthKey_<KEYID>.p8."}
}

// findNotRegular is a FIFO, device or socket, refused before reading: a
// FIFO would block and a device such as /dev/zero never ends.
func findNotRegular(what, name, kind string) Finding {
	return Finding{Code: CodeUnreadable,
		Message: fmt.Sprintf("The %s %s is %s, not a file; pushdeck did not read it.", what, name, kind),
		Advice:  "Give the path of the .p12, .pem, .cer or .p8 file itself."}
}

func findEmpty(name string, size int) Finding {
	what := "it has no bytes in it"
	if size > 0 {
		what = "it holds only blank space"
	}
	return Finding{Code: CodeEmpty,
		Message: fmt.Sprintf("%s is empty: %s.", name, what),
		Advice:  "The export or download did not finish: export the certificate again from Keychain Access, or download it again from the developer portal."}
}

func findCorrupt(msg string) Finding {
	return Finding{Code: CodeCorrupt, Message: msg, Advice: adviceReexport}
}

func findNotCredential(name, what string) Finding {
	return Finding{Code: CodeNotCertificate,
		Message: fmt.Sprintf("%s is not a certificate or key: %s.", name, what),
		Advice:  "Give the .p12 exported from Keychain Access, a PEM file (ck.pem), a .cer with its key file, or an AuthKey_<KEYID>.p8."}
}

func findKeyOnly(name, keyType string) Finding {
	return Finding{Code: CodeNotCertificate,
		Message: fmt.Sprintf("%s holds a %s private key but no certificate.", name, keyType),
		Advice:  "Give the certificate file (.cer or .pem) and this file as its key (pushdeck inspect CERT --key KEY)."}
}

func findCSR(name string) Finding {
	return Finding{Code: CodeNotCertificate,
		Message: fmt.Sprintf("%s is a certificate signing request, not a certificate.", name),
		Advice:  "Upload it in the Apple Developer portal (Certificates, Identifiers & Profiles) to get the push certificate (.cer), then give that with its key."}
}

func findPasswordRequired(name string) Finding {
	return Finding{Code: CodePasswordRequired,
		Message: fmt.Sprintf("%s is protected by a password and none was given.", name),
		Advice:  "Give the password chosen when the file was exported."}
}

// findWrongP12Password is findWrongPassword for a .p12, whose integrity
// check cannot tell a wrong password from a file altered after export.
func findWrongP12Password(name string) Finding {
	f := findWrongPassword(name)
	f.Advice = "Use the password chosen when the .p12 was exported (mind the keyboard layout and caps lock). If the password is surely right, the file was altered after export: export it again."
	return f
}

func findWrongPassword(name string) Finding {
	return Finding{Code: CodeWrongPassword,
		Message: fmt.Sprintf("The password is wrong for %s.", name),
		Advice:  "Use the password chosen when the file was exported (mind the keyboard layout and caps lock); if nobody knows it, export the certificate and key again."}
}

func findUnsupportedEncryption(name string, err error) Finding {
	return Finding{Code: CodeUnsupportedKey,
		Message: fmt.Sprintf("The private key in %s cannot be opened: %v.", name, err),
		Advice:  "Re-encrypt it the modern way: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.new"}
}

func findUnsupportedKey(name, what string) Finding {
	return Finding{Code: CodeUnsupportedKey,
		Message: fmt.Sprintf("The private key in %s is %s, which APNs does not accept.", name, what),
		Advice:  "APNs certificates use RSA keys and token keys are ECDSA P-256 (ES256): make the key again in the developer portal."}
}

func findNoKeyInP12(name string) Finding {
	return Finding{Code: CodeNoPrivateKey,
		Message: fmt.Sprintf("%s holds the certificate but no private key, so it cannot sign in to APNs.", name),
		Advice:  "In Keychain Access expand the certificate, select it together with its private key and export both as one .p12."}
}

func findCertOnly(name, form string) Finding {
	return Finding{Code: CodeNoPrivateKey,
		Message: fmt.Sprintf("%s is a certificate only (%s); its private key is not in the file.", name, form),
		Advice:  "Give the private key file with it (pushdeck inspect CERT --key KEY), or export certificate and key together as a .p12 from Keychain Access on the Mac that made the certificate request."}
}

func findNoKeyInKeyFile(name string) Finding {
	return Finding{Code: CodeNoPrivateKey,
		Message: fmt.Sprintf("The key file %s holds no private key.", name),
		Advice:  "Give the file with the PRIVATE KEY block (from openssl pkcs12 -nocerts, or the key made with the certificate request)."}
}

func findKeyMismatch() Finding {
	return Finding{Code: CodeKeyMismatch,
		Message: "The private key does not belong to this certificate: it is the key of another certificate.",
		Advice:  "Use the key made with this certificate's request (on the Mac that created it); a .p12 exported from Keychain Access keeps the right pair together."}
}

func findExpired(notBefore, notAfter, now time.Time) Finding {
	return Finding{Code: CodeExpired,
		Message: fmt.Sprintf("The certificate %s, on %s, so APNs refuses it.", Validity(notBefore, notAfter, now), day(notAfter)),
		Advice:  "Create a new push certificate in the Apple Developer portal (Certificates, Identifiers & Profiles) and use it instead."}
}

func findNotYetValid(notBefore, now time.Time) Finding {
	return Finding{Code: CodeNotYetValid,
		Message: fmt.Sprintf("The certificate is not valid until %s, so APNs refuses it until then.", notBefore.UTC().Format("2006-01-02 15:04 MST")),
		Advice:  "Check that this computer's date and time are right; if they are, use the certificate in service today."}
}

func findExpiresSoon(notBefore, notAfter, now time.Time) Finding {
	return Finding{Code: CodeExpiresSoon,
		Message: fmt.Sprintf("The certificate %s, on %s.", Validity(notBefore, notAfter, now), day(notAfter)),
		Advice:  "Create its replacement in the Apple Developer portal now and switch before then: pushes fail the moment it expires."}
}

func findNoPushExtension() Finding {
	return Finding{Code: CodeNoPushExtension,
		Message: "The certificate has none of Apple's push extensions, so it is probably not an APNs certificate.",
		Advice:  "Check that it is the app's Apple Push Notification service SSL certificate, not a signing or other certificate."}
}

func findMissingKeyID(name string) Finding {
	return Finding{Code: CodeMissingKeyID,
		Message: fmt.Sprintf("No key ID for %s: the file is not named AuthKey_<KEYID>.p8 and none was given.", name),
		Advice:  "APNs needs it: copy the 10-character key ID shown beside the key in the developer portal (Keys)."}
}

func findMissingTeamID() Finding {
	return Finding{Code: CodeMissingTeamID,
		Message: "No team ID was given; token authentication needs it.",
		Advice:  "The 10-character team ID is in the developer portal under Membership details."}
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
