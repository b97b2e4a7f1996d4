package io.harbormaster.emulator.nodes;

/** A machine's unit, as {@code systemctl is-active} would name its state. */
public enum UnitState { INACTIVE, ACTIVATING, ACTIVE, FAILED }
