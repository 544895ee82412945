// Package rapport holds Rapport's domain: the types every other package
// speaks (organisations, users, people, facts, conversations, follow-ups,
// pipelines), their validation, and the rules that decide who to call today
// and whether the week's goal is met.
//
// It imports only the standard library. Storage, HTTP, authentication and
// phone-number handling live in packages named after what they own.
package rapport
