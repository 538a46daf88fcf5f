Console.WriteLine("launcher: not written yet");
