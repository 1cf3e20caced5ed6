package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The address classifier and the policy over every reserved range and every numeric spelling of a
 * host.
 */
class EgressPolicyTests {

    private final EgressPolicy defaults = EgressPolicy.defaults();

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "127.0.0.1|127.0.0.1",
                "127.1|127.0.0.1",
                "127.0.1|127.0.0.1",
                "2130706433|127.0.0.1",
                "0x7f.1|127.0.0.1",
                "0x7F000001|127.0.0.1",
                "017700000001|127.0.0.1",
                "0177.0.0.01|127.0.0.1",
                "0|0.0.0.0",
                "0.0.0.0|0.0.0.0",
                "10.1|10.0.0.1",
                "192.168.257|192.168.1.1",
                "127.0.0.1.|127.0.0.1",
                "[::1]|0:0:0:0:0:0:0:1",
                "[::ffff:127.0.0.1]|127.0.0.1",
                "[::ffff:7f00:1]|127.0.0.1",
                "[fe80::1%25eth0]|fe80:0:0:0:0:0:0:1"
            })
    void numericHostsInEveryFormAreRead(String host, String address) {
        String text = host.replace("%25", "%");
        assertThat(IpLiteral.parse(text)).map(InetAddress::getHostAddress).hasValue(address);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost",
                "example.com",
                "127.0.0.1.example.com",
                "0x",
                "1.2.3.4.5",
                "256.1.1.1",
                "08.1.1.1",
                "4294967296",
                "[::1",
                "1..1",
                ""
            })
    void namesAndMalformedNumbersAreNoLiteral(String host) {
        if (host.equals("0x")) {
            // inet_aton reads a bare 0x as 0: so does the fetcher, and then refuses it.
            assertThat(IpLiteral.parse(host)).map(InetAddress::getHostAddress).hasValue("0.0.0.0");
            return;
        }
        assertThat(IpLiteral.parse(host)).isEmpty();
    }

    @ParameterizedTest(name = "{0} refused as {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "127.0.0.1|loopback",
                "127.255.255.254|loopback",
                "0.0.0.0|unspecified",
                "0.1.2.3|unspecified",
                "10.0.0.1|private",
                "172.16.0.1|private",
                "172.31.255.255|private",
                "192.168.1.1|private",
                "100.64.0.1|carrier-grade NAT",
                "100.127.255.255|carrier-grade NAT",
                "169.254.169.254|link-local",
                "169.254.0.1|link-local",
                "224.0.0.1|multicast",
                "239.255.255.250|multicast",
                "255.255.255.255|broadcast",
                "240.0.0.1|reserved",
                "192.0.0.8|reserved",
                "192.0.2.1|documentation",
                "198.18.0.1|benchmarking",
                "198.51.100.7|documentation",
                "203.0.113.9|documentation",
                "192.88.99.1|6to4 relay",
                "::|unspecified",
                "::1|loopback",
                "::ffff:127.0.0.1|loopback",
                "::ffff:169.254.169.254|link-local",
                "::ffff:10.0.0.1|private",
                "::127.0.0.1|IPv4-compatible",
                "::10.0.0.1|IPv4-compatible",
                "fc00::1|unique local",
                "fd12:3456::1|unique local",
                "fe80::1|link-local",
                "febf::1|link-local",
                "fec0::1|site-local",
                "ff02::1|multicast",
                "2001:db8::1|documentation",
                "2001::1|Teredo",
                "64:ff9b::a00:1|NAT64",
                "64:ff9b::7f00:1|loopback",
                "2002:7f00:1::1|6to4",
                "2002:a9fe:a9fe::1|link-local",
                "100::1|discard",
                "64:ff9b:1::1|local-use NAT64",
                "1::1|outside IPv6 global unicast",
                "4000::1|outside IPv6 global unicast"
            })
    void reservedAddressesAreRefusedWithTheirKind(String address, String kind) throws Exception {
        InetAddress parsed = IpLiteral.parse(address).orElseThrow();
        assertThat(ReservedRanges.of(parsed)).isPresent();
        assertThatThrownBy(() -> defaults.check(address, parsed))
                .isInstanceOf(EgressRefusedException.class)
                .hasMessageContaining(kind);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "8.8.8.8",
                "1.1.1.1",
                "93.184.216.34",
                "172.32.0.1",
                "100.128.0.1",
                "192.169.0.1",
                "169.255.0.1",
                "11.0.0.1",
                "2606:4700::1111",
                "2a00:1450:4001::1",
                "::ffff:8.8.8.8",
                "64:ff9b::808:808",
                "2002:808:808::1"
            })
    void publicAddressesAreAdmitted(String address) {
        InetAddress parsed = IpLiteral.parse(address).orElseThrow();
        assertThat(ReservedRanges.of(parsed)).isEmpty();
        assertThatCode(() -> defaults.check("images.example", parsed)).doesNotThrowAnyException();
    }

    @Test
    void allowedRangesAndHostNamesAdmitReservedAddressesAndDenialsWinOverBoth() throws Exception {
        EgressPolicy policy =
                new EgressPolicy(
                        List.of("127.0.0.1", "10.20.0.0/16", "images.internal", "*.cdn.corp"),
                        List.of("10.20.30.0/24", "8.8.4.4/32"));
        InetAddress loopback = IpLiteral.parse("127.0.0.1").orElseThrow();
        assertThatCode(() -> policy.check("127.0.0.1", loopback)).doesNotThrowAnyException();
        assertThatCode(() -> policy.check("x", IpLiteral.parse("::ffff:127.0.0.1").orElseThrow()))
                .as("the mapped form of an allowed IPv4 address")
                .doesNotThrowAnyException();
        assertThatThrownBy(
                        () -> policy.check("127.0.0.2", IpLiteral.parse("127.0.0.2").orElseThrow()))
                .isInstanceOf(EgressRefusedException.class);
        assertThatCode(() -> policy.check("x", IpLiteral.parse("10.20.1.1").orElseThrow()))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> policy.check("x", IpLiteral.parse("10.20.30.1").orElseThrow()))
                .isInstanceOf(EgressRefusedException.class)
                .hasMessageContaining("denied range 10.20.30.0/24");
        assertThatThrownBy(
                        () -> policy.check("dns.example", IpLiteral.parse("8.8.4.4").orElseThrow()))
                .as("a denied public address")
                .isInstanceOf(EgressRefusedException.class);
        InetAddress privateAddress = IpLiteral.parse("192.168.5.5").orElseThrow();
        assertThatCode(() -> policy.check("IMAGES.internal.", privateAddress))
                .doesNotThrowAnyException();
        assertThatCode(() -> policy.check("a.b.cdn.corp", privateAddress))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> policy.check("cdn.corp.evil", privateAddress))
                .isInstanceOf(EgressRefusedException.class);
        assertThatThrownBy(
                        () ->
                                policy.check(
                                        "images.internal",
                                        IpLiteral.parse("10.20.30.4").orElseThrow()))
                .as("a denial holds for allowed names too")
                .isInstanceOf(EgressRefusedException.class);
    }

    @Test
    void malformedAllowEntriesFailAtStartup() {
        assertThatThrownBy(() -> new EgressPolicy(List.of("10.0.0.0/33"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EgressPolicy(List.of("not a host"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EgressPolicy(List.of(), List.of("images.internal")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cidrContainmentFollowsThePrefixBits() {
        Cidr cgnat = Cidr.parse("100.64.0.0/10");
        assertThat(cgnat.contains(IpLiteral.parse("100.64.0.0").orElseThrow())).isTrue();
        assertThat(cgnat.contains(IpLiteral.parse("100.127.255.255").orElseThrow())).isTrue();
        assertThat(cgnat.contains(IpLiteral.parse("100.128.0.0").orElseThrow())).isFalse();
        assertThat(cgnat.contains(IpLiteral.parse("::1").orElseThrow())).isFalse();
        assertThat(
                        Cidr.parse("::ffff:10.0.0.0/104")
                                .contains(IpLiteral.parse("10.9.9.9").orElseThrow()))
                .isTrue();
        assertThat(Cidr.parse("fe80::/10").contains(IpLiteral.parse("febf:ffff::1").orElseThrow()))
                .isTrue();
        assertThat(Cidr.parse("fe80::/10").contains(IpLiteral.parse("fec0::1").orElseThrow()))
                .isFalse();
    }
}
