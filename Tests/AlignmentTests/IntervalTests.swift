import Testing
@testable import Alignment

/// The intervals against numbers computed apart from this code, in python3
/// with numpy (the one-liners are beside each table).
@Suite struct IntervalTests {
    /// (k, n, low, high) from
    /// python3 -c "import numpy as np; z=1.959964; k,n=7,20; p=k/n; d=1+z*z/n; c=(p+z*z/(2*n))/d; h=z/d*np.sqrt(p*(1-p)/n+z*z/(4*n*n)); print('%.12f %.12f'%(c-h,c+h))"
    static let wilson: [(Int, Int, Double, Double)] = [
        (0, 10, 0.000000000000, 0.277532803026),
        (10, 10, 0.722467196974, 1.000000000000),
        (7, 20, 0.181191823124, 0.567145724932),
        (71, 134, 0.445694010896, 0.612343680121),
        (1, 1, 0.206549311792, 1.000000000000),
        (0, 1, 0.000000000000, 0.793450688208),
        (3, 600, 0.001701877645, 0.014596206457),
    ]

    @Test(arguments: wilson)
    func wilsonMatchesPython(_ k: Int, _ n: Int, _ low: Double, _ high: Double) {
        let r = Rate.proportion(k, of: n)
        let maxdiff = max(abs(r.low - low), abs(r.high - high))
        #expect(maxdiff < 1e-11, "\(k) of \(n): [\(r.low), \(r.high)], maxdiff \(maxdiff)")
        #expect(r.value == Double(k) / Double(n) && r.count == Double(k) && r.total == n)
        #expect(r.low <= r.value && r.value <= r.high)
    }

    @Test func wilsonEndsAreExactAtNoneAndAll() {
        for n in [1, 2, 3, 17, 1000] {
            #expect(Rate.proportion(0, of: n).low == 0)
            #expect(Rate.proportion(n, of: n).high == 1)
        }
    }

    @Test func nothingCountedIsTheWholeRange() {
        for r in [Rate.proportion(0, of: 0), Rate.winRate(wins: 0, ties: 0, losses: 0), Rate.pairedMean([])] {
            #expect(r.total == 0 && r.value == 0 && r.low == 0 && r.high == 1)
            #expect(r.description == "- of 0" && r.shareAndInterval == "-")
        }
    }

    /// (wins, ties, losses, mean, low, high) from
    /// python3 -c "import numpy as np; z=1.959964; W,T,L=50,20,64; x=np.array([1.0]*W+[0.5]*T+[0.0]*L); m=x.mean(); h=z*x.std(ddof=1)/np.sqrt(len(x)); print('%.12f %.12f %.12f'%(m,max(0,m-h),min(1,m+h)))"
    static let paired: [(Int, Int, Int, Double, Double, Double)] = [
        (50, 20, 64, 0.447761194030, 0.369887970824, 0.525634417235),
        (3, 0, 0, 1.000000000000, 1.000000000000, 1.000000000000),
        (0, 87, 0, 0.500000000000, 0.500000000000, 0.500000000000),
        (1, 0, 1, 0.500000000000, 0.000000000000, 1.000000000000),
        (9, 1, 0, 0.950000000000, 0.852001800000, 1.000000000000),
        (40, 50, 10, 0.650000000000, 0.586934414823, 0.713065585177),
    ]

    @Test(arguments: paired)
    func pairedWinRateMatchesPython(_ wins: Int, _ ties: Int, _ losses: Int, _ mean: Double, _ low: Double, _ high: Double) {
        let r = Rate.winRate(wins: wins, ties: ties, losses: losses)
        let maxdiff = max(abs(r.value - mean), abs(r.low - low), abs(r.high - high))
        #expect(maxdiff < 1e-11, "\(wins)/\(ties)/\(losses): \(r.value) [\(r.low), \(r.high)], maxdiff \(maxdiff)")
        #expect(r.total == wins + ties + losses && r.count == Double(wins) + 0.5 * Double(ties))
    }

    @Test func oneScoreHasNoSpread() {
        let r = Rate.pairedMean([1])
        #expect(r.value == 1 && r.low == 0 && r.high == 1 && r.total == 1)
    }

    @Test func formats() {
        #expect(Rate.proportion(71, of: 134).description == "53.0% [44.6, 61.2] of 134")
        #expect(Rate.proportion(0, of: 10).description == "0.0% [0.0, 27.8] of 10")
        #expect(Rate.winRate(wins: 50, ties: 20, losses: 64).shareAndInterval == "44.8% [37.0, 52.6]")
    }

    /// python3 -c "import numpy as np; x=np.array([0.25,-1.5,0.75,2.0,-0.125,0.5,0.0,1.25]); z=1.959964;
    /// m=x.mean(); h=z*x.std(ddof=1)/np.sqrt(len(x)); print('%.12f %.12f %.12f'%(m,m-h,m+h))"
    @Test func meanIntervalMatchesPythonAndIsNotClamped() {
        let m = MeanInterval([0.25, -1.5, 0.75, 2.0, -0.125, 0.5, 0.0, 1.25])
        #expect(m.count == 8 && abs(m.value - 0.390625) < 1e-12)
        #expect(abs(m.low - -0.325807331135) < 1e-11 && abs(m.high - 1.107057331135) < 1e-11)
        let one = MeanInterval([3])
        #expect(one.value == 3 && one.low == -.infinity && one.high == .infinity)
    }
}
