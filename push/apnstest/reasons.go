package apnstest

import (
	"github.com/pushdeck/pushdeck/push/apnsreason"
	"net/http"
	"slices"
)

// Reasons APNs gives in the JSON body of an error response, exactly as Apple
// spells them. The server answers with these and nothing else.
const (
	ReasonBadCollapseID               = apnsreason.BadCollapseID
	ReasonBadDeviceToken              = apnsreason.BadDeviceToken
	ReasonBadExpirationDate           = apnsreason.BadExpirationDate
	ReasonBadMessageID                = apnsreason.BadMessageID
	ReasonBadPriority                 = apnsreason.BadPriority
	ReasonBadTopic                    = apnsreason.BadTopic
	ReasonDeviceTokenNotForTopic      = apnsreason.DeviceTokenNotForTopic
	ReasonMissingTopic                = apnsreason.MissingTopic
	ReasonPayloadEmpty                = apnsreason.PayloadEmpty
	ReasonTopicDisallowed             = apnsreason.TopicDisallowed
	ReasonInvalidPushType             = apnsreason.InvalidPushType
	ReasonBadCertificate              = apnsreason.BadCertificate
	ReasonBadCertificateEnvironment   = apnsreason.BadCertificateEnvironment
	ReasonExpiredProviderToken        = apnsreason.ExpiredProviderToken
	ReasonInvalidProviderToken        = apnsreason.InvalidProviderToken
	ReasonMissingProviderToken        = apnsreason.MissingProviderToken
	ReasonBadPath                     = apnsreason.BadPath
	ReasonMethodNotAllowed            = apnsreason.MethodNotAllowed
	ReasonUnregistered                = apnsreason.Unregistered
	ReasonExpiredToken                = apnsreason.ExpiredToken
	ReasonPayloadTooLarge             = apnsreason.PayloadTooLarge
	ReasonTooManyProviderTokenUpdates = apnsreason.TooManyProviderTokenUpdates
	ReasonTooManyRequests             = apnsreason.TooManyRequests
	ReasonInternalServerError         = apnsreason.InternalServerError
	ReasonServiceUnavailable          = apnsreason.ServiceUnavailable
)

// statusOf is the HTTP status Apple pairs with each reason.
var statusOf = map[string]int{
	ReasonBadCollapseID:               http.StatusBadRequest,
	ReasonBadDeviceToken:              http.StatusBadRequest,
	ReasonBadExpirationDate:           http.StatusBadRequest,
	ReasonBadMessageID:                http.StatusBadRequest,
	ReasonBadPriority:                 http.StatusBadRequest,
	ReasonBadTopic:                    http.StatusBadRequest,
	ReasonDeviceTokenNotForTopic:      http.StatusBadRequest,
	ReasonMissingTopic:                http.StatusBadRequest,
	ReasonPayloadEmpty:                http.StatusBadRequest,
	ReasonTopicDisallowed:             http.StatusBadRequest,
	ReasonInvalidPushType:             http.StatusBadRequest,
	ReasonBadCertificate:              http.StatusForbidden,
	ReasonBadCertificateEnvironment:   http.StatusForbidden,
	ReasonExpiredProviderToken:        http.StatusForbidden,
	ReasonInvalidProviderToken:        http.StatusForbidden,
	ReasonMissingProviderToken:        http.StatusForbidden,
	ReasonBadPath:                     http.StatusNotFound,
	ReasonMethodNotAllowed:            http.StatusMethodNotAllowed,
	ReasonUnregistered:                http.StatusGone,
	ReasonExpiredToken:                http.StatusGone,
	ReasonPayloadTooLarge:             http.StatusRequestEntityTooLarge,
	ReasonTooManyProviderTokenUpdates: http.StatusTooManyRequests,
	ReasonTooManyRequests:             http.StatusTooManyRequests,
	ReasonInternalServerError:         http.StatusInternalServerError,
	ReasonServiceUnavailable:          http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status APNs answers a reason with (0 if unknown).
func StatusOf(reason string) int { return statusOf[reason] }

// Reasons lists every reason the server can answer with.
func Reasons() []string {
	out := make([]string, 0, len(statusOf))
	for r := range statusOf {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}
