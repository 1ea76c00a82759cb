package dev.wsctl.cli;

public final class Wsctl {
    public static void main(String[] args) {
    }
}
