import Testing
@testable import Alignment

/// Gao et al.'s two laws fitted by least squares, against numpy:
///     X = np.stack([d, -f2], 1); (a, b), *_ = np.linalg.lstsq(X, r, rcond=None)
/// with f2 = d² (best-of-n) or d·log d (RL, 0 at d = 0); R² = 1 − SS_res/SS_tot;
/// peaks a/(2b) and exp(a/b − 1).
@Suite struct OveroptimisationFitTests {
    static let d = [0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8]
    static let r = [0, 0.21, 0.33, 0.41, 0.38, 0.35, 0.22]

    @Test func bestOfNMatchesNumpy() throws {
        let f = try #require(OveroptimisationFit.fit(.bestOfN, d: Self.d, r: Self.r))
        #expect(abs(f.alpha - 0.7666294642857142) < 1e-12 && abs(f.beta - 0.3587549603174602) < 1e-12)
        #expect(abs(f.rSquared - 0.9928034002130682) < 1e-12)
        #expect(abs(f.peak! - 1.0684583477359146) < 1e-12)
    }

    @Test func reinforcementMatchesNumpy() throws {
        let f = try #require(OveroptimisationFit.fit(.reinforcement, d: Self.d, r: Self.r))
        #expect(abs(f.alpha - 0.37603660646537285) < 1e-12 && abs(f.beta - 0.39706522172682573) < 1e-12)
        #expect(abs(f.rSquared - 0.9508139278452626) < 1e-12)
        #expect(abs(f.peak! - 0.9484178502263974) < 1e-10)
    }

    @Test func aCurveThatKeepsRisingHasNoPeak() throws {
        let f = try #require(OveroptimisationFit.fit(.bestOfN, d: Self.d, r: Self.d.map { 0.5 * $0 + 0.05 * $0 * $0 }))
        #expect(f.beta < 0 && f.peak == nil && abs(f.rSquared - 1) < 1e-12)
    }

    @Test func pointsThatDoNotSeparateTheCoefficientsFitNothing() {
        #expect(OveroptimisationFit.fit(.bestOfN, d: [0, 0, 0], r: [0, 1, 2]) == nil)
        #expect(OveroptimisationFit.fit(.reinforcement, d: [1, 1, 1], r: [0, 1, 2]) == nil)
    }
}
