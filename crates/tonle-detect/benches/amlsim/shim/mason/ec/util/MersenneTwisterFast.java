package ec.util;

/**
 * Minimal stand-in for MASON's ec.util.MersenneTwisterFast (MT19937), written for /tmp/amlsim only
 * because the MASON jar cannot be downloaded offline. Implements the standard MT19937 generator
 * (Matsumoto & Nishimura), seeded like MASON's setSeed(long) (init_genrand with the low 32 bits),
 * and the derived methods with MASON's formulas (nextDouble: 53 bits from two draws, nextLong(n):
 * rejection sampling on 63 bits, nextInt(n): rejection sampling on 31 bits).
 */
public class MersenneTwisterFast implements java.io.Serializable {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;
    private static final int TEMPERING_MASK_B = 0x9d2c5680;
    private static final int TEMPERING_MASK_C = 0xefc60000;

    private int[] mt;
    private int mti;
    private int[] mag01;
    private double nextNextGaussian;
    private boolean haveNextNextGaussian;

    public MersenneTwisterFast() { this(System.currentTimeMillis()); }
    public MersenneTwisterFast(long seed) { setSeed(seed); }

    public synchronized void setSeed(long seed) {
        haveNextNextGaussian = false;
        mt = new int[N];
        mag01 = new int[2];
        mag01[0] = 0x0;
        mag01[1] = MATRIX_A;
        mt[0] = (int) (seed & 0xffffffffL);
        for (mti = 1; mti < N; mti++) {
            mt[mti] = (1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti);
        }
    }

    private int next32() {
        int y;
        if (mti >= N) {
            int kk;
            for (kk = 0; kk < N - M; kk++) {
                y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M] ^ (y >>> 1) ^ mag01[y & 0x1];
            }
            for (; kk < N - 1; kk++) {
                y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ mag01[y & 0x1];
            }
            y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
            mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ mag01[y & 0x1];
            mti = 0;
        }
        y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & TEMPERING_MASK_B;
        y ^= (y << 15) & TEMPERING_MASK_C;
        y ^= (y >>> 18);
        return y;
    }

    public int nextInt() { return next32(); }

    public int nextInt(int n) {
        if (n <= 0) throw new IllegalArgumentException("n must be positive, got: " + n);
        if ((n & -n) == n) return (int) ((n * (long) (next32() >>> 1)) >> 31);
        int bits, val;
        do {
            bits = next32() >>> 1;
            val = bits % n;
        } while (bits - val + (n - 1) < 0);
        return val;
    }

    public long nextLong() {
        int y = next32();
        int z = next32();
        return (((long) y) << 32) + (long) z;
    }

    public long nextLong(long n) {
        if (n <= 0) throw new IllegalArgumentException("n must be positive, got: " + n);
        long bits, val;
        do {
            int y = next32();
            int z = next32();
            bits = (((((long) y) << 32) + (long) z) >>> 1);
            val = bits % n;
        } while (bits - val + (n - 1) < 0);
        return val;
    }

    public double nextDouble() {
        int y = next32();
        int z = next32();
        return ((((long) (y >>> 6)) << 27) + (z >>> 5)) / (double) (1L << 53);
    }

    public float nextFloat() { return (next32() >>> 8) / ((float) (1 << 24)); }

    public boolean nextBoolean() { return (next32() >>> 31) != 0; }

    public double nextGaussian() {
        if (haveNextNextGaussian) {
            haveNextNextGaussian = false;
            return nextNextGaussian;
        }
        double v1, v2, s;
        do {
            v1 = 2 * nextDouble() - 1;
            v2 = 2 * nextDouble() - 1;
            s = v1 * v1 + v2 * v2;
        } while (s >= 1 || s == 0);
        double multiplier = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
        nextNextGaussian = v2 * multiplier;
        haveNextNextGaussian = true;
        return v1 * multiplier;
    }
}
