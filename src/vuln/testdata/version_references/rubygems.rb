# Reference ordering for RubyGems: Gem::Version.
# Reads "A<TAB>B" lines; prints "<", "=" or ">" for each, or "?" when a version is malformed.
$stdin.each_line do |line|
  a, b = line.chomp("\n").split("\t", -1)
  unless Gem::Version.correct?(a) && Gem::Version.correct?(b)
    puts "?"
    next
  end
  puts ["<", "=", ">"][(Gem::Version.new(a) <=> Gem::Version.new(b)) + 1]
end
