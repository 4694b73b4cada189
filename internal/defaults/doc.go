// Package defaults holds the default of every setting that a user can change
// and that more than one package needs: the driver's DSN parameters table
// refers to these constants, the driver resolves a zero Config field to them,
// and package async's exported defaults are defined from them.
//
// It holds values only. It is not a configuration type, parses nothing and
// is imported by no package that does not need a default.
package defaults
