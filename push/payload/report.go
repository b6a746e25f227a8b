package payload

import "encoding/json"

// MarshalJSON writes the report exactly as `pushdeck lint --json` promises:
// errors with path, line, column, message and fix; warnings with path,
// message and fix; empty lists as [] rather than null, so scripts can index
// them without a nil check.
func (r Report) MarshalJSON() ([]byte, error) {
	type errorJSON struct {
		Path    string `json:"path"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Message string `json:"message"`
		Fix     string `json:"fix"`
	}
	type warningJSON struct {
		Path    string `json:"path"`
		Message string `json:"message"`
		Fix     string `json:"fix"`
	}
	out := struct {
		Valid    bool          `json:"valid"`
		Bytes    int           `json:"bytes"`
		Limit    int           `json:"limit"`
		Errors   []errorJSON   `json:"errors"`
		Warnings []warningJSON `json:"warnings"`
	}{Valid: r.Valid, Bytes: r.Bytes, Limit: r.Limit,
		Errors: make([]errorJSON, 0, len(r.Errors)), Warnings: make([]warningJSON, 0, len(r.Warnings))}
	for _, f := range r.Errors {
		out.Errors = append(out.Errors, errorJSON{f.Path, f.Line, f.Column, f.Message, f.Fix})
	}
	for _, f := range r.Warnings {
		out.Warnings = append(out.Warnings, warningJSON{f.Path, f.Message, f.Fix})
	}
	return json.Marshal(out)
}

// First returns the first error, or the first warning if there is no error,
// and false if the report is clean: what an editor's status line shows.
func (r Report) First() (Finding, bool) {
	if len(r.Errors) > 0 {
		return r.Errors[0], true
	}
	if len(r.Warnings) > 0 {
		return r.Warnings[0], true
	}
	return Finding{}, false
}
