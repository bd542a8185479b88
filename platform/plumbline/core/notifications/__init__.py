"""In-app notices and their emails: a person is told when something needs them (a finding
assigned to them, a rectification rejected, a deadline passed). Other apps call
`plumbline.core.notifications.actions.notify`."""
