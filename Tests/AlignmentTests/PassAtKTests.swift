import Testing
@testable import Alignment

/// pass@k against the combinatorial formula, computed by hand, and maj@k on
/// groups written out.
@Suite struct PassAtKTests {
    @Test func theUnbiasedEstimateIsOneMinusAChooseRatio() {
        // 1 − C(7,4)/C(10,4) = 1 − 35/210 = 5/6; 1 − C(9,1)/C(10,1) = 1/10; 1 − C(2,4)/… = 1 (fewer wrong than k).
        #expect(abs(PassAtK.estimate(samples: 10, correct: 3, k: 4) - 5.0 / 6) < 1e-12)
        #expect(abs(PassAtK.estimate(samples: 10, correct: 1, k: 1) - 0.1) < 1e-12)
        #expect(PassAtK.estimate(samples: 10, correct: 8, k: 4) == 1)
        #expect(PassAtK.estimate(samples: 10, correct: 0, k: 10) == 0)
        // 1 − C(60,16)/C(64,16) = 1 − (48·47·46·45)/(64·63·62·61) (python: 1 - comb(60,16)/comb(64,16) = 0.69376)
        #expect(abs(PassAtK.estimate(samples: 64, correct: 4, k: 16) - (1 - 48.0 * 47 * 46 * 45 / (64.0 * 63 * 62 * 61))) < 1e-12)
    }

    @Test func majorityVotesOverDisjointGroups() {
        let answers: [String?] = ["7", "8", "7", nil, "8", "8", "9", "7", "6", "5", nil, nil]
        // k = 4: groups [7 8 7 nil] → 7 (right), [8 8 9 7] → 8, [6 5 nil nil] → 6 (a tie goes to the first seen).
        #expect(abs(PassAtK.majority(answers, right: "7", k: 4) - 1.0 / 3) < 1e-12)
        #expect(PassAtK.majority(answers, right: "6", k: 4) == 1.0 / 3)
        // k = 1: the share of answers that are right; k = 12: 7 and 8 three times each, and 7 was seen first.
        #expect(PassAtK.majority(answers, right: "7", k: 1) == 3.0 / 12)
        #expect(PassAtK.majority(answers, right: "7", k: 12) == 1)
        #expect(PassAtK.majority([nil, nil], right: "7", k: 2) == 0)
    }
}
