package sim.engine;

/** Minimal stand-in for MASON's sim.engine.Steppable (same signature). */
public interface Steppable extends java.io.Serializable {
    void step(SimState state);
}
