// Package kinship weighs DNA evidence of family relationships: STR
// profiles and their import, allele frequency tables, likelihood ratios for
// the relationships reunification needs (parent–child, trios, siblings,
// half siblings, grandparents, aunts and uncles), the search of one
// child's profile against reference families, and simulation of pedigrees
// for validation and error rates.
//
// It is a library: no database, no HTTP, no clock, no global state.
//
// # The model
//
// A likelihood ratio compares the probability of the genotypes under the
// stated relationship (Hp) with their probability if the people are
// unrelated (Hd). Per locus it is computed by enumerating the ways the
// observed alleles can have been drawn and passed on:
//
//   - founders' alleles are drawn from the population with the
//     Balding–Nichols sampling formula: the next allele is a with
//     probability (x·θ + (1−θ)·p(a)) / (1 + (n−1)·θ) when n alleles have
//     been drawn, x of them a. With θ = 0 this is p(a); with θ > 0 it gives
//     NRC II's formulas 4.4 and 4.10 exactly;
//   - a parent passes on either allele with probability ½, and the allele
//     may mutate on the way (a stepwise model, per locus, see Mutation), so
//     that one mutation does not exclude a true parent;
//   - an apparent homozygote may hide a silent allele (a null allele, or an
//     allele that dropped out) with a stated probability (Options.Null).
//
// Pairwise relationships other than parent–child use the general form
// LR = κ0 + κ1·X1 + κ2·X2, where Xk is the ratio of the genotypes'
// probability when they share k alleles identical by descent to their
// probability when they share none.
//
// The combined LR is the product over loci (the loci are taken as
// independent). A posterior probability needs a prior, which every result
// states. Every result explains each locus: the genotypes, the formula and
// its value.
package kinship
