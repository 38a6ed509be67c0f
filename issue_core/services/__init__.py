"""The write side. Every function takes the acting user, checks permissions and invariants, writes in
one transaction together with its audit row, and raises a DomainError (nothing written) on refusal."""
