// Package apnsreason names the reasons APNs gives in the JSON body of an error
// response, exactly as Apple spells them, so the engine, the local server
// (push/apnstest) and the screens compare against one constant instead of a
// literal each. It imports nothing: every package may use it.
package apnsreason

// Device pushes (POST /3/device/TOKEN).
const (
	BadCollapseID               = "BadCollapseId"
	BadDeviceToken              = "BadDeviceToken"
	BadExpirationDate           = "BadExpirationDate"
	BadMessageID                = "BadMessageId"
	BadPriority                 = "BadPriority"
	BadTopic                    = "BadTopic"
	DeviceTokenNotForTopic      = "DeviceTokenNotForTopic"
	MissingTopic                = "MissingTopic"
	PayloadEmpty                = "PayloadEmpty"
	TopicDisallowed             = "TopicDisallowed"
	InvalidPushType             = "InvalidPushType"
	BadCertificate              = "BadCertificate"
	BadCertificateEnvironment   = "BadCertificateEnvironment"
	ExpiredProviderToken        = "ExpiredProviderToken"
	InvalidProviderToken        = "InvalidProviderToken"
	MissingProviderToken        = "MissingProviderToken"
	BadPath                     = "BadPath"
	MethodNotAllowed            = "MethodNotAllowed"
	Unregistered                = "Unregistered"
	ExpiredToken                = "ExpiredToken"
	PayloadTooLarge             = "PayloadTooLarge"
	TooManyProviderTokenUpdates = "TooManyProviderTokenUpdates"
	TooManyRequests             = "TooManyRequests"
	InternalServerError         = "InternalServerError"
	ServiceUnavailable          = "ServiceUnavailable"
)

// Channel management and broadcast pushes only.
const (
	FeatureNotEnabled         = "FeatureNotEnabled"
	MissingChannelID          = "MissingChannelId"
	BadChannelID              = "BadChannelId"
	ChannelNotRegistered      = "ChannelNotRegistered"
	BadRequestParams          = "BadRequestParams"
	BadRequestPayload         = "BadRequestPayload"
	MissingPushType           = "MissingPushType"
	CannotCreateChannelConfig = "CannotCreateChannelConfig"
	TopicMismatch             = "TopicMismatch"
)
