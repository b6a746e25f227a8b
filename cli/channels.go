package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

// ChannelsOptions are the flags the channels subcommands share.
type ChannelsOptions struct {
	Credential session.Request
	JSON       bool
	Policy     string // create
	Label      string // create
	Yes        bool   // delete
}

// maxChannelReads bounds how many channels `channels list` reads the policy
// of (one request each); the rest show the store's policy or "?".
const maxChannelReads = 100

const channelsLong = `Manages the app's broadcast channels (iOS 18 Live Activities): one push to a
channel updates every Live Activity subscribed to it. Channels live at APNs,
per environment (a development channel does not exist in production); pushdeck
keeps their labels and storage policies in the store so you can name them.

Apple's channel-management hosts are api-manage-broadcast.sandbox.push.apple.com:2195
(development) and api-manage-broadcast.push.apple.com:2196 (production); with
--host a local server (pushdeck mock) serves both APIs on one port.

Send to a channel with: pushdeck send --channel LABEL|ID --payload update.json

Exit codes: 0 done, 1 APNs refused it (the reason and the fix are printed),
2 usage or credential error.`

func newChannelsCmd(e env) *cobra.Command {
	c := &cobra.Command{
		Use:   "channels",
		Short: "Create, list, show and delete broadcast channels (iOS 18)",
		Long:  channelsLong,
		Example: `  pushdeck channels create --profile myapp-dev --policy most-recent --label "Cup final"
  pushdeck channels list --profile myapp-dev
  pushdeck channels show "Cup final"
  pushdeck channels delete "Cup final" --yes`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				fmt.Fprintf(e.stderr, "pushdeck channels: unknown command %q: use %s\n", args[0], subcommandNames(c))
			} else {
				fmt.Fprintf(e.stderr, "pushdeck channels: say what to do: %s\n", subcommandNames(c))
			}
			return codeErr(exitUsage)
		},
	}
	c.AddCommand(newChannelsCreateCmd(e), newChannelsListCmd(e), newChannelsShowCmd(e), newChannelsDeleteCmd(e))
	return c
}

func channelFlags(c *cobra.Command, o *ChannelsOptions) {
	fs := c.Flags()
	fs.SortFlags = false
	registerCredential(fs, &o.Credential)
	fs.BoolVar(&o.JSON, "json", false, "print JSON instead of text")
}

func newChannelsCreateCmd(e env) *cobra.Command {
	var o ChannelsOptions
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a channel and print its ID",
		Long: `Asks APNs for a new channel (APNs picks the ID) with a message storage policy,
fixed for the channel's life:

  most-recent  APNs keeps the latest message up to 8 hours for offline devices:
               infrequent updates (flights, deliveries). The default.
  no-storage   nothing is kept, a higher publishing budget: frequent updates
               (scores); broadcasts must use expiration 0.

Apple allows 10,000 channels per app and environment: delete finished ones.`,
		Example: `  pushdeck channels create --profile myapp-dev --policy no-storage --label "Match 7"
  pushdeck channels create --p8 AuthKey_ABCDE12345.p8 --team-id TEAM123456 --topic com.example.app --env development --json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "channels create", args, "a label goes after --label") {
				return codeErr(exitUsage)
			}
			return codeErr(runChannelsCreate(c.Context(), e, &o))
		},
	}
	channelFlags(c, &o)
	c.Flags().StringVar(&o.Policy, "policy", "most-recent", "the message storage policy: most-recent or no-storage")
	c.Flags().StringVar(&o.Label, "label", "", "a name for the channel, kept in the store, e.g. \"Cup final\"")
	return c
}

func newChannelsListCmd(e env) *cobra.Command {
	var o ChannelsOptions
	c := &cobra.Command{
		Use:   "list",
		Short: "List the app's channels in the environment",
		Long: `Lists every channel APNs has for the app in the environment, with its storage
policy and the label the store keeps. Channels the store knows that APNs no
longer lists (deleted elsewhere) are shown as gone.`,
		Example: `  pushdeck channels list --profile myapp-dev
  pushdeck channels list --profile myapp-prod --json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "channels list", args, "") {
				return codeErr(exitUsage)
			}
			return codeErr(runChannelsList(c.Context(), e, &o))
		},
	}
	channelFlags(c, &o)
	return c
}

func newChannelsShowCmd(e env) *cobra.Command {
	var o ChannelsOptions
	c := &cobra.Command{
		Use:     "show LABEL|ID",
		Short:   "Show a channel's configuration as APNs reports it",
		Long:    "Asks APNs for one channel (by the label the book keeps, or its ID) and prints its configuration: the message storage policy and the environment.",
		Example: `  pushdeck channels show "Cup final" --profile myapp-dev`,
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintln(e.stderr, "pushdeck channels show: give one channel: its label or ID")
				return codeErr(exitUsage)
			}
			return codeErr(runChannelsShow(c.Context(), e, args[0], &o))
		},
	}
	channelFlags(c, &o)
	return c
}

func newChannelsDeleteCmd(e env) *cobra.Command {
	var o ChannelsOptions
	c := &cobra.Command{
		Use:   "delete LABEL|ID",
		Short: "Delete a channel at APNs, for good",
		Long: `Deletes the channel at APNs and forgets it in the store. It cannot be undone:
the same ID never comes back, and APNs may still deliver messages it stored.
Asks first on a terminal; --yes skips the question (needed in scripts).`,
		Example: `  pushdeck channels delete "Cup final" --profile myapp-dev
  pushdeck channels delete dHN0LXNyY2gtY2hubA== --profile myapp-dev --yes`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintln(e.stderr, "pushdeck channels delete: give one channel: its label or ID")
				return codeErr(exitUsage)
			}
			return codeErr(runChannelsDelete(c.Context(), e, args[0], &o))
		},
	}
	channelFlags(c, &o)
	c.Flags().BoolVar(&o.Yes, "yes", false, "delete without asking")
	return c
}

// channelSession resolves the credential and builds the management client.
func channelSession(ctx context.Context, e env, cmd string, o *ChannelsOptions) (*session.Session, *push.ChannelClient, bool) {
	// Ctrl+C stops the credential load too.
	o.Credential.Context = ctx
	s, err := resolve(e, o.Credential)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: %v\n", cmd, err)
		return nil, nil, false
	}
	for _, n := range s.Notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	cc, err := push.NewChannelClient(s.Config)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: %v\n", cmd, err)
		return nil, nil, false
	}
	return s, cc, true
}

// channelFailed prints what APNs answered and what to do; it returns 1
// (APNs refused) or 2 (refused before sending).
func channelFailed(e env, cmd string, r push.ChannelResult, env certs.Environment) int {
	fmt.Fprintf(e.stderr, "pushdeck %s: %s\n", cmd, push.DescribeChannel(r, env))
	if r.Reason != "" {
		fmt.Fprintf(e.stderr, "  fix: %s\n", push.ExplainChannel(r.Reason).Fix)
	}
	if r.RequestID != "" {
		fmt.Fprintf(e.stderr, "  apns-request-id %s\n", r.RequestID)
	}
	if r.Class == "invalid" {
		return exitUsage
	}
	return exitFailed
}

// channelJSON is one channel in --json output.
type channelJSON struct {
	ID          string            `json:"channel_id"`
	Label       string            `json:"label"`
	Policy      string            `json:"policy"`
	PolicyValue *int              `json:"message_storage_policy"`
	PushType    string            `json:"push_type,omitempty"`
	Topic       string            `json:"topic"`
	Environment certs.Environment `json:"environment"`
	AtAPNs      bool              `json:"at_apns"`
	RequestID   string            `json:"apns_request_id,omitempty"`
}

func policyJSON(p push.StoragePolicy, known bool) (string, *int) {
	if !known {
		return "", nil
	}
	v := int(p)
	return p.String(), &v
}

func runChannelsCreate(ctx context.Context, e env, o *ChannelsOptions) int {
	const cmd = "channels create"
	policy, err := push.ParseStoragePolicy(o.Policy)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: --policy: %v\n", cmd, err)
		return exitUsage
	}
	label := strings.TrimSpace(o.Label)
	if label != "" && (strings.IndexFunc(label, isControl) >= 0 || len(label) > 80) {
		fmt.Fprintf(e.stderr, "pushdeck %s: --label must be plain text of up to 80 characters\n", cmd)
		return exitUsage
	}
	s, cc, ok := channelSession(ctx, e, cmd, o)
	if !ok {
		return exitUsage
	}
	defer cc.Close()
	// A label already used would be lost after APNs made the channel:
	// refuse it first.
	if label != "" {
		if err := bookAvailable(s); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck %s: --label: %v\n", cmd, err)
			return exitUsage
		}
		if c, err := bookChannel(s, label); err == nil {
			fmt.Fprintf(e.stderr, "pushdeck %s: the label %q is already channel %s in %s: choose another label\n", cmd, label, c.ID, s.Env)
			return exitUsage
		}
	}
	r := cc.Create(ctx, policy)
	if !r.OK() {
		return channelFailed(e, cmd, r, s.Env)
	}
	saved := ""
	if bookAvailable(s) == nil {
		if err := bookSave(s, storedChannel{ID: r.Channel.ID, Topic: cc.Bundle(), Environment: s.Env, Label: label,
			StoragePolicy: int(policy), CreatedAt: time.Now()}); err != nil {
			saved = err.Error()
		}
	}
	if o.JSON {
		p, v := policyJSON(policy, true)
		writeJSON(e.stdout, channelJSON{ID: r.Channel.ID, Label: label, Policy: p, PolicyValue: v, PushType: r.Channel.PushType,
			Topic: cc.Bundle(), Environment: s.Env, AtAPNs: true, RequestID: r.RequestID})
	} else {
		fmt.Fprintf(e.stdout, "created %s channel %s for %s (%s)\n", policy, r.Channel.ID, cc.Bundle(), s.Env)
		if label != "" {
			fmt.Fprintf(e.stdout, "  label %q\n", label)
		}
	}
	if saved != "" {
		// The channel exists at APNs and its ID is printed above: nothing
		// is lost, but the store does not know it.
		fmt.Fprintf(e.stderr, "warning: the store could not keep the channel (%s); pushdeck channels list still finds it\n", saved)
	}
	return exitOK
}

func runChannelsList(ctx context.Context, e env, o *ChannelsOptions) int {
	const cmd = "channels list"
	s, cc, ok := channelSession(ctx, e, cmd, o)
	if !ok {
		return exitUsage
	}
	defer cc.Close()
	r := cc.List(ctx)
	if !r.OK() {
		return channelFailed(e, cmd, r, s.Env)
	}
	known := map[string]storedChannel{}
	if bookAvailable(s) == nil {
		cs, err := bookChannels(s, cc.Bundle())
		if err != nil {
			fmt.Fprintf(e.stderr, "warning: cannot read the store's channels: %v\n", err)
		}
		for _, c := range cs {
			known[c.ID] = c
		}
	}
	out := make([]channelJSON, 0, len(r.Channels))
	for i, id := range r.Channels {
		c := channelJSON{ID: id, Topic: cc.Bundle(), Environment: s.Env, AtAPNs: true}
		st, inStore := known[id]
		delete(known, id)
		c.Label = st.Label
		if i < maxChannelReads {
			if rr := cc.Read(ctx, id); rr.OK() {
				c.Policy, c.PolicyValue = policyJSON(rr.Channel.Policy, true)
				c.PushType = rr.Channel.PushType
				if bookAvailable(s) == nil && (!inStore || st.StoragePolicy != int(rr.Channel.Policy)) {
					// Keep what APNs said, so send --channel knows the
					// policy without asking.
					_ = bookSave(s, storedChannel{ID: id, Topic: cc.Bundle(), Environment: s.Env, StoragePolicy: int(rr.Channel.Policy)})
				}
			}
		}
		if c.PolicyValue == nil && inStore {
			c.Policy, c.PolicyValue = policyJSON(push.StoragePolicy(st.StoragePolicy), true)
		}
		out = append(out, c)
	}
	for _, st := range known {
		p, v := policyJSON(push.StoragePolicy(st.StoragePolicy), true)
		out = append(out, channelJSON{ID: st.ID, Label: st.Label, Policy: p, PolicyValue: v, Topic: st.Topic, Environment: s.Env})
	}
	if o.JSON {
		writeJSON(e.stdout, out)
		return exitOK
	}
	if len(out) == 0 {
		fmt.Fprintf(e.stdout, "no channels for %s in %s: pushdeck channels create makes one\n", cc.Bundle(), s.Env)
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "LABEL\tPOLICY\tCHANNEL ID\t")
	for _, c := range out {
		label, policy, note := c.Label, c.Policy, ""
		if label == "" {
			label = "-"
		}
		if policy == "" {
			policy = "?"
		}
		if !c.AtAPNs {
			note = "gone at APNs: pushdeck channels delete forgets it"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(label), policy, printable(c.ID), note)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d channel(s) for %s in %s\n", len(r.Channels), cc.Bundle(), s.Env)
	return exitOK
}

// channelID finds the channel a command line names: a label or ID the
// store knows, else an ID as given.
func channelID(s *session.Session, arg string) (storedChannel, bool, error) {
	if bookAvailable(s) == nil {
		if c, err := bookChannel(s, arg); err == nil {
			return c, true, nil
		}
	}
	if err := push.CheckChannelID(arg); err != nil {
		return storedChannel{}, false, fmt.Errorf("%q is neither a channel label the store knows in %s nor a channel ID (%v)", arg, s.Env, err)
	}
	return storedChannel{ID: arg}, false, nil
}

func runChannelsShow(ctx context.Context, e env, arg string, o *ChannelsOptions) int {
	const cmd = "channels show"
	s, cc, ok := channelSession(ctx, e, cmd, o)
	if !ok {
		return exitUsage
	}
	defer cc.Close()
	st, _, err := channelID(s, arg)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: %v\n", cmd, err)
		return exitUsage
	}
	r := cc.Read(ctx, st.ID)
	if !r.OK() {
		return channelFailed(e, cmd, r, s.Env)
	}
	p, v := policyJSON(r.Channel.Policy, true)
	c := channelJSON{ID: st.ID, Label: st.Label, Policy: p, PolicyValue: v, PushType: r.Channel.PushType, Topic: cc.Bundle(),
		Environment: s.Env, AtAPNs: true, RequestID: r.RequestID}
	if o.JSON {
		writeJSON(e.stdout, c)
		return exitOK
	}
	label := st.Label
	if label == "" {
		label = "-"
	}
	fmt.Fprintf(e.stdout, "channel      %s\nlabel        %s\napp          %s\nenvironment  %s\npolicy       %s (message-storage-policy %d)\npush type    %s\n",
		printable(st.ID), printable(label), cc.Bundle(), s.Env, p, *v, printable(r.Channel.PushType))
	return exitOK
}

func runChannelsDelete(ctx context.Context, e env, arg string, o *ChannelsOptions) int {
	const cmd = "channels delete"
	s, cc, ok := channelSession(ctx, e, cmd, o)
	if !ok {
		return exitUsage
	}
	defer cc.Close()
	st, inStore, err := channelID(s, arg)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: %v\n", cmd, err)
		return exitUsage
	}
	name := st.ID
	if st.Label != "" {
		name = fmt.Sprintf("%q (%s)", st.Label, st.ID)
	}
	if !o.Yes {
		if !isTerminal(e) {
			fmt.Fprintf(e.stderr, "pushdeck %s: deleting channel %s cannot be undone: pass --yes to confirm\n", cmd, name)
			return exitUsage
		}
		fmt.Fprintf(e.stderr, "Delete channel %s of %s in %s for good? Its ID never comes back. [y/N] ", name, cc.Bundle(), s.Env)
		if !confirmed(e.stdin) {
			fmt.Fprintln(e.stderr, "kept")
			return exitOK
		}
	}
	r := cc.Delete(ctx, st.ID)
	if !r.OK() {
		code := channelFailed(e, cmd, r, s.Env)
		if r.Reason == "ChannelNotRegistered" && inStore {
			if err := bookRemove(s, st.ID); err == nil {
				fmt.Fprintf(e.stderr, "  it is gone at APNs already; the store forgot it too\n")
			}
		}
		return code
	}
	if inStore {
		if err := bookRemove(s, st.ID); err != nil {
			fmt.Fprintf(e.stderr, "warning: deleted at APNs, but the store could not forget it: %v\n", err)
		}
	}
	if o.JSON {
		writeJSON(e.stdout, map[string]any{"deleted": st.ID, "label": st.Label, "environment": s.Env, "apns_request_id": r.RequestID})
	} else {
		fmt.Fprintf(e.stdout, "deleted channel %s of %s in %s\n", name, cc.Bundle(), s.Env)
	}
	return exitOK
}

// confirmed reads one answer line: y or yes.
func confirmed(r io.Reader) bool {
	line, err := bufio.NewReader(io.LimitReader(r, 256)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

func writeJSON(w io.Writer, v any) {
	enc := jsonEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// printable makes a string from outside (APNs, the store) safe for the
// terminal.
func printable(s string) string { return textsafe.Clean(s) }
