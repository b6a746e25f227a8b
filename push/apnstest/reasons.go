package apnstest

import (
	"net/http"
	"slices"
)

// Reasons APNs gives in the JSON body of an error response, exactly as Apple
// spells them. The server answers with these and nothing else.
const (
	ReasonBadCollapseID               = "BadCollapseId"
	ReasonBadDeviceToken              = "BadDeviceToken"
	ReasonBadExpirationDate           = "BadExpirationDate"
	ReasonBadMessageID                = "BadMessageId"
	ReasonBadPriority                 = "BadPriority"
	ReasonBadTopic                    = "BadTopic"
	ReasonDeviceTokenNotForTopic      = "DeviceTokenNotForTopic"
	ReasonMissingTopic                = "MissingTopic"
	ReasonPayloadEmpty                = "PayloadEmpty"
	ReasonTopicDisallowed             = "TopicDisallowed"
	ReasonInvalidPushType             = "InvalidPushType"
	ReasonBadCertificate              = "BadCertificate"
	ReasonBadCertificateEnvironment   = "BadCertificateEnvironment"
	ReasonExpiredProviderToken        = "ExpiredProviderToken"
	ReasonInvalidProviderToken        = "InvalidProviderToken"
	ReasonMissingProviderToken        = "MissingProviderToken"
	ReasonBadPath                     = "BadPath"
	ReasonMethodNotAllowed            = "MethodNotAllowed"
	ReasonUnregistered                = "Unregistered"
	ReasonExpiredToken                = "ExpiredToken"
	ReasonPayloadTooLarge             = "PayloadTooLarge"
	ReasonTooManyProviderTokenUpdates = "TooManyProviderTokenUpdates"
	ReasonTooManyRequests             = "TooManyRequests"
	ReasonInternalServerError         = "InternalServerError"
	ReasonServiceUnavailable          = "ServiceUnavailable"
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
